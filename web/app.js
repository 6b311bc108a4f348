// faena's page: sign in with a token, upload a DKT file, start a KPI export, follow your jobs
// live (GET /jobs/:id/events read with fetch, since EventSource cannot send a token), cancel,
// download, see import problems, undo a lote, run a failed or cancelled job again, pause,
// resume and delete your schedules. No framework, no build step: the one library,
// eventsource-parser, is served from its npm package (src/http/routes/web.ts).

import { $, apiClient, duration, FINAL, startSignIn, toast, tokenStore, userOf } from '/common.js'
import { EventSourceParserStream } from '/vendor/eventsource-parser/stream.js'

// A follow link (/#follow=fl_...): the page follows that one job with the link's token, held in
// memory only; nothing else is shown or offered, and no signed-in token is touched.
const followToken = new URLSearchParams(location.hash.slice(1)).get('follow')
const store = Object.assign(followToken ? { token: followToken } : tokenStore('faena.token'), {
  ids(name) {
    return new Set(JSON.parse(localStorage.getItem(`faena.${name}`) ?? '[]'))
  },
  setIds(name, ids) {
    localStorage.setItem(`faena.${name}`, JSON.stringify([...ids].slice(-500)))
  },
})
/** id -> { job, el, follow?: AbortController } */
const shown = new Map()

const { request, api } = apiClient(store)

// --- signing in -------------------------------------------------------------------------

async function signIn(token) {
  store.token = token
  try {
    const page = await api('/jobs?limit=50')
    $('#sign-in').hidden = true
    $('#app').hidden = false
    $('#sign-out').hidden = false
    $('#who').textContent = `signed in as ${userOf(token)}`
    $('#sign-in-error').textContent = ''
    for (const job of page.data.reverse()) show(job)
    await loadSchedules()
  } catch (err) {
    store.token = null
    $('#sign-in-error').textContent =
      err.status === 401 ? 'That token was refused (invalid or expired).' : `Could not sign in: ${err.message}`
  }
}

function signOut() {
  for (const entry of shown.values()) entry.follow?.abort()
  shown.clear()
  $('#jobs').replaceChildren()
  $('#schedules').replaceChildren()
  store.token = null
  $('#app').hidden = true
  $('#sign-out').hidden = true
  $('#sign-in').hidden = false
  $('#who').textContent = ''
}

// --- jobs -------------------------------------------------------------------------------

/** Shows a job (new or changed) and follows it while it is active. */
function show(job) {
  let entry = shown.get(job.id)
  if (!entry) {
    const el = $('#job-template').content.firstElementChild.cloneNode(true)
    el.dataset.jobId = job.id
    $('.cancel', el).onclick = () => act(el, () => api(`/jobs/${job.id}`, { method: 'DELETE' }))
    $('.download', el).onclick = () => act(el, () => openLink(`/jobs/${job.id}/download`))
    $('.problems', el).onclick = () => act(el, () => openLink(`/jobs/${job.id}/problems.csv`))
    $('.undo', el).onclick = () => act(el, () => undoLote(entry.job))
    $('.rerun', el).onclick = () => act(el, () => rerun(job.id))
    $('#jobs').prepend(el)
    entry = { job, el }
    shown.set(job.id, entry)
  }
  entry.job = job
  render(entry.el, job)
  if (FINAL.has(job.status)) finished(job)
  else if (!entry.follow) follow(entry)
}

async function follow(entry) {
  const id = entry.job.id
  const watched = store.ids('watched')
  watched.add(id)
  store.setIds('watched', watched)
  const controller = new AbortController()
  entry.follow = controller
  try {
    const res = await request(`/jobs/${id}/events`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    })
    for await (const event of sseEvents(res.body)) if (event.event === 'job') show(JSON.parse(event.data))
  } catch {
    if (controller.signal.aborted) return
    entry.follow = undefined
    // The stream broke (server restart, network): pick the job up again shortly.
    setTimeout(() => shown.get(id) === entry && !FINAL.has(entry.job.status) && follow(entry), 2000)
    return
  }
  entry.follow = undefined
}

/** Server-Sent Events from a fetch body: { event, data, id } per message (eventsource-parser). */
async function* sseEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    yield { event: value.event ?? 'message', data: value.data, id: value.id ?? null }
  }
}

/** A job this page followed has ended: say so once, even across visits. */
function finished(job) {
  const watched = store.ids('watched')
  if (!watched.has(job.id)) return
  watched.delete(job.id)
  store.setIds('watched', watched)
  const notified = store.ids('notified')
  if (notified.has(job.id)) return
  notified.add(job.id)
  store.setIds('notified', notified)
  toast(
    `${job.type} ${job.id.slice(-6)}: ${job.status.toLowerCase()}${job.status === 'FAILED' ? ` (${job.error?.message ?? ''})` : ''}`,
  )
}

function render(el, job) {
  el.dataset.status = job.status
  $('.type', el).textContent = job.type
  $('.id', el).textContent = job.id
  const status = $('.status', el)
  status.textContent = job.status
  status.className = `status ${job.status}`
  $('progress', el).value = job.progress
  $('.percent', el).textContent =
    `${job.progress}%${job.totalItems ? ` (${job.processedItems ?? 0} of ${job.totalItems})` : ''}`
  $('.eta', el).textContent = job.etaSeconds != null ? `about ${duration(job.etaSeconds)} left` : ''
  $('.message', el).textContent = job.message ?? ''
  $('.cancel', el).hidden = FINAL.has(job.status)
  const result = job.status === 'COMPLETED' ? (job.result ?? {}) : {}
  $('.download', el).hidden = !result.downloadUrl
  const problems = result.problemCount || job.error?.details?.problemCount
  $('.problems', el).hidden = !problems
  $('.undo', el).hidden = !(job.type === 'dkt-import' && result.loteId && !job.loteDeleted)
  $('.rerun', el).hidden = !(job.status === 'FAILED' || job.status === 'CANCELLED')
  $('.outcome', el).replaceChildren(...outcome(job))
}

function outcome(job) {
  const out = []
  const text = (s) => Object.assign(document.createElement('div'), { textContent: s })
  const r = job.result ?? {}
  if (job.status === 'FAILED' || job.status === 'CANCELLED')
    out.push(Object.assign(text(job.error?.message ?? job.status), { className: 'error' }))
  if (job.type === 'dkt-import' && job.status === 'COMPLETED') {
    out.push(
      text(
        `${r.rowsImported} rows imported into lote ${r.loteId}${r.rowsDuplicate ? `, ${r.rowsDuplicate} duplicates` : ''}${r.rowsInvalid ? `, ${r.rowsInvalid} invalid rows skipped` : ''}`,
      ),
    )
    if (job.loteDeleted) out.push(text('This lote has been undone.'))
  }
  if (r.fileSizeBytes !== undefined)
    out.push(text(`${r.fileName}: ${r.recordsProcessed} rows, ${bytes(r.fileSizeBytes)}`))
  const runs = job.previousRuns ?? []
  if (runs.length)
    out.push(
      Object.assign(
        text(
          `run again ${runs.length === 1 ? 'once' : `${runs.length} times`}; before: ${runs.map((p) => `${p.status.toLowerCase()} (${p.error?.code ?? '?'})`).join(', ')}`,
        ),
        { className: 'runs' },
      ),
    )
  const problems = r.problems ?? job.error?.details?.problems
  if (problems?.length)
    out.push(problemTable(problems.slice(0, 10), r.problemCount ?? job.error?.details?.problemCount))
  return out
}

function problemTable(problems, total) {
  const table = document.createElement('table')
  table.className = 'problems-table'
  const row = (cells, tag) => {
    const tr = document.createElement('tr')
    for (const c of cells) tr.append(Object.assign(document.createElement(tag), { textContent: c ?? '' }))
    return tr
  }
  table.append(row(['line', 'column', 'value', `problem (${problems.length} of ${total})`], 'th'))
  for (const p of problems) table.append(row([p.line, p.column, p.value, p.reason], 'td'))
  return table
}

async function undoLote(job) {
  if (!confirm(`Undo lote ${job.result.loteId}? Its rows are deleted.`)) return
  await api(`/dkt/lotes/${job.result.loteId}`, { method: 'DELETE' })
  show(await api(`/jobs/${job.id}`))
}

/** Back to the queue as the same job, followed again. */
async function rerun(id) {
  await api(`/jobs/${id}/retry`, { method: 'POST' })
  show(await api(`/jobs/${id}`))
}

// --- schedules --------------------------------------------------------------------------

async function loadSchedules() {
  const page = await api('/schedules?limit=100')
  $('#schedules').replaceChildren(...page.data.map(scheduleItem))
  $('#schedules-section').hidden = page.data.length === 0
}

function scheduleItem(s) {
  const el = $('#schedule-template').content.firstElementChild.cloneNode(true)
  el.dataset.scheduleId = s.id
  el.dataset.paused = String(s.paused)
  $('.name', el).textContent = s.name ?? s.id
  $('.type', el).textContent = s.job.type
  $('.cron', el).textContent = `${s.cron} (${s.timezone})`
  $('.next', el).textContent = s.paused ? 'paused' : `next ${new Date(s.nextRunAt).toLocaleString()}`
  $('.last', el).textContent = s.lastError
    ? `last tick: ${s.lastError}`
    : s.lastRunAt
      ? `last ${new Date(s.lastRunAt).toLocaleString()}`
      : ''
  const pause = $('.pause', el)
  pause.textContent = s.paused ? 'Resume' : 'Pause'
  pause.onclick = () =>
    act(el, async () => {
      el.replaceWith(
        scheduleItem(
          await api(`/schedules/${s.id}`, {
            method: 'PATCH',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ paused: !s.paused }),
          }),
        ),
      )
    })
  $('.delete', el).onclick = () =>
    act(el, async () => {
      if (!confirm(`Delete schedule ${s.name ?? s.id}? The jobs it started stay.`)) return
      await api(`/schedules/${s.id}`, { method: 'DELETE' })
      await loadSchedules()
    })
  return el
}

/** Downloads through a freshly signed link (the API answers it as JSON to fetch). */
async function openLink(path) {
  const { url } = await api(path, { headers: { accept: 'application/json' } })
  const a = Object.assign(document.createElement('a'), { href: url, download: '' })
  document.body.append(a)
  a.click()
  a.remove()
}

async function act(_el, fn) {
  try {
    await fn()
  } catch (err) {
    toast(`Could not do that: ${err.message}`)
  }
}

// --- forms ------------------------------------------------------------------------------

function upload(form) {
  const bar = $('#upload-progress')
  const status = $('#upload-status')
  const data = new FormData(form)
  const fields = new FormData()
  fields.set('onError', data.get('onError'))
  if (data.get('force')) fields.set('force', 'true')
  fields.set('file', data.get('file'))
  const xhr = new XMLHttpRequest()
  xhr.open('POST', '/jobs/dkt-import')
  xhr.setRequestHeader('authorization', `Bearer ${store.token}`)
  xhr.upload.onprogress = (e) => {
    bar.hidden = false
    bar.value = e.lengthComputable ? Math.round((e.loaded / e.total) * 100) : 0
    status.textContent = `uploading ${bar.value}%`
  }
  xhr.onload = () => {
    bar.hidden = true
    const body = JSON.parse(xhr.responseText || '{}')
    if (xhr.status === 202 || xhr.status === 200) {
      status.textContent = 'uploaded; importing'
      form.reset()
      api(`/jobs/${body.jobId}`).then(show)
    } else status.textContent = body.message ?? `upload failed (${xhr.status})`
  }
  xhr.onerror = () => {
    bar.hidden = true
    status.textContent = 'upload failed: network error'
  }
  xhr.send(fields)
}

async function startExport(form) {
  const data = Object.fromEntries(new FormData(form))
  const filters = { from: data.from, to: data.to, ...(data.sucursal ? { sucursal: data.sucursal } : {}) }
  const status = $('#export-status')
  try {
    const created = await api('/jobs/kpi-export', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filters, format: data.format }),
    })
    status.textContent = `export ${created.idExport} started`
    show(await api(`/jobs/${created.jobId}`))
  } catch (err) {
    status.textContent = err.message
  }
}

// --- small things -----------------------------------------------------------------------

const bytes = (n) =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`

// --- start ------------------------------------------------------------------------------

$('#import-form').onsubmit = (e) => {
  e.preventDefault()
  upload(e.target)
}
$('#export-form').onsubmit = (e) => {
  e.preventDefault()
  startExport(e.target)
}
if (followToken) followLink(followToken)
else startSignIn({ store, signIn, signOut, devTokenUrl: '/dev-token' })

/** The page for a follow link: its job, live, and nothing to act with. */
async function followLink(token) {
  document.body.classList.add('follow-link')
  $('#sign-in').hidden = true
  $('#app').hidden = false
  $('#jobs-heading').textContent = 'Your job'
  try {
    const { j: jobId } = JSON.parse(atob(token.slice(3).split('.')[0].replace(/-/g, '+').replace(/_/g, '/')))
    show(await api(`/jobs/${encodeURIComponent(jobId)}`))
  } catch (err) {
    $('#jobs-heading').textContent =
      err.status === 401 ? 'This link has expired or is not valid.' : `Could not open this link: ${err.message}`
  }
}
