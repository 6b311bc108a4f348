// faena's console for operators (admins): every user's jobs with filters (status, type, user,
// creation dates, id or error code), a job's detail and its actions, actions on every job of a
// filter with the count confirmed first (a dry run), job types with their queues and
// pause/resume, and jobs created per hour by the status they have now. No framework, no build.
import { $, apiClient, duration, FINAL, startSignIn, toast, tokenStore, userOf } from '/common.js'

const STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'PROCESSING', 'QUEUED']
const store = tokenStore('faena.console.token')
const { api } = apiClient(store)
/** An element with properties and children. */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

/** The filter the list shows now (what a bulk action acts on). */
let filter = {}
let refresher = null

// --- signing in -------------------------------------------------------------------------

async function signIn(token) {
  store.token = token
  try {
    await loadTypes() // 403 unless an admin's token
    $('#sign-in').hidden = true
    $('#console').hidden = false
    $('#sign-out').hidden = false
    $('#who').textContent = `signed in as ${userOf(token)} (admin)`
    $('#sign-in-error').textContent = ''
    await Promise.all([loadHistory(), loadJobs()])
    refresher = setInterval(() => void Promise.all([loadTypes(), loadHistory()]).catch(() => {}), 15_000)
  } catch (err) {
    store.token = null
    $('#sign-in-error').textContent =
      err.status === 401
        ? 'That token was refused (invalid or expired).'
        : err.status === 403
          ? "That token is not an admin's."
          : `Could not sign in: ${err.message}`
  }
}

function signOut() {
  clearInterval(refresher)
  store.token = null
  $('#console').hidden = true
  $('#detail').hidden = true
  $('#sign-out').hidden = true
  $('#sign-in').hidden = false
  $('#who').textContent = ''
}

// --- job types ----------------------------------------------------------------------------

async function loadTypes() {
  const { data } = await api('/job-types')
  const rows = data.map((t) => {
    const button = el('button', { className: 'pause', textContent: t.paused ? 'Resume' : 'Pause' })
    button.onclick = () =>
      run(button, async () => {
        await api(`/job-types/${encodeURIComponent(t.type)}/pause`, { method: t.paused ? 'DELETE' : 'PUT' })
        toast(`${t.type} ${t.paused ? 'resumed' : 'paused'}`)
        await loadTypes()
      })
    const state = t.paused ? `paused by ${t.pausedBy}` : t.registered ? 'running' : 'not registered'
    const tr = el(
      'tr',
      {},
      el('td', { textContent: t.type, title: t.description ?? '' }),
      el('td', { textContent: `${t.queuedExact ? '' : '~'}${t.queued}` }),
      el('td', { textContent: t.running }),
      el('td', { textContent: t.queued > 0 ? duration(Math.round(t.oldestQueuedSeconds)) : '' }),
      el('td', { className: t.paused ? 'paused' : '', textContent: state }),
      el('td', {}, button),
    )
    tr.dataset.type = t.type
    return tr
  })
  $('#types tbody').replaceChildren(...rows)
  const select = $('#filter-form select[name=type]')
  const chosen = select.value
  select.replaceChildren(
    el('option', { value: '', textContent: 'any' }),
    ...data.map((t) => el('option', { value: t.type, textContent: t.type })),
  )
  select.value = chosen
}

// --- counts per hour ----------------------------------------------------------------------

async function loadHistory() {
  const { data } = await api('/stats/history?hours=24')
  const most = Math.max(1, ...data.map((h) => Object.values(h.counts).reduce((a, b) => a + b, 0)))
  $('#history').replaceChildren(
    ...data.map((h, i) => {
      const total = Object.values(h.counts).reduce((a, b) => a + b, 0)
      const at = new Date(h.hour)
      const bar = el(
        'div',
        {
          className: 'bar',
          title: `${at.toLocaleString()}: ${total} jobs${STATUSES.filter((s) => h.counts[s])
            .map((s) => `, ${h.counts[s]} ${s.toLowerCase()}`)
            .join('')}`,
        },
        ...STATUSES.filter((s) => h.counts[s]).map((s) =>
          el('span', { className: `seg ${s}`, style: `height: ${(100 * h.counts[s]) / most}%` }),
        ),
      )
      bar.dataset.total = total
      return el(
        'div',
        { className: 'hour' },
        bar,
        el('small', {
          textContent: i % 6 === 0 || i === data.length - 1 ? `${String(at.getHours()).padStart(2, '0')}h` : '',
        }),
      )
    }),
  )
}

// --- jobs ---------------------------------------------------------------------------------

/** The filter form's fields, as GET /jobs and POST /jobs/actions take them. */
function readForm() {
  const form = new FormData($('#filter-form'))
  const f = {}
  for (const [k, v] of form) {
    const value = String(v).trim()
    if (!value) continue
    f[k] = k === 'createdAfter' || k === 'createdBefore' ? new Date(value).toISOString() : value
  }
  return f
}

async function loadJobs(next) {
  const page = await api(next ?? `/jobs?${new URLSearchParams({ limit: '50', ...filter })}`)
  const rows = page.data.map(jobRow)
  if (next) $('#jobs tbody').append(...rows)
  else $('#jobs tbody').replaceChildren(...rows)
  const total = page.pagination.total
  $('#total').textContent =
    `${page.pagination.totalExact === false ? 'about ' : ''}${total} job${total === 1 ? '' : 's'}`
  const more = $('#more')
  more.hidden = !page.pagination.next
  more.onclick = () => run(more, () => loadJobs(page.pagination.next))
}

function jobRow(job) {
  const tr = el(
    'tr',
    { className: 'job-row' },
    el('td', { textContent: new Date(job.createdAt).toLocaleString() }),
    el('td', {}, el('code', { textContent: job.id })),
    el('td', { textContent: job.type }),
    el('td', { textContent: job.userId }),
    el('td', {}, el('span', { className: `status ${job.status}`, textContent: job.status })),
    el('td', { textContent: `${job.attempts}/${job.maxAttempts}` }),
    el('td', { className: 'code', textContent: job.error?.code ?? '' }),
  )
  tr.dataset.jobId = job.id
  tr.onclick = () => void openJob(job.id).catch((err) => toast(err.message))
  return tr
}

// --- one job ------------------------------------------------------------------------------

async function openJob(id) {
  const job = await api(`/jobs/${id}`)
  const d = $('#detail')
  d.hidden = false
  d.dataset.jobId = id
  $('.id', d).textContent = id
  const status = $('.status', d)
  status.className = `status ${job.status}`
  status.textContent = job.status
  const fact = (name, value) =>
    value === null || value === undefined || value === ''
      ? []
      : [el('dt', { textContent: name }), el('dd', { textContent: String(value) })]
  const w = job.webhook
  $('.facts', d).replaceChildren(
    ...fact('type', job.type),
    ...fact('user', job.userId),
    ...fact('priority', job.priority),
    ...fact(
      'progress',
      `${job.progress} %${job.totalItems ? ` (${job.processedItems ?? 0} of ${job.totalItems})` : ''}`,
    ),
    ...fact('message', job.message),
    ...fact('attempts', `${job.attempts} of ${job.maxAttempts}`),
    ...fact('created', job.createdAt),
    ...fact('run at', job.runAt),
    ...fact('started', job.startedAt),
    ...fact('ended', job.completedAt),
    ...fact('schedule', job.scheduleId && `${job.scheduleId}, tick ${job.scheduledFor}`),
    ...fact('callback', job.callbackUrl),
    ...fact(
      'webhook',
      w &&
        `${w.status}, ${w.attempts} attempt${w.attempts === 1 ? '' : 's'}${w.deliveredAt ? `, delivered ${w.deliveredAt}` : ''}${w.lastError ? `, last error: ${w.lastError}` : ''}`,
    ),
  )
  const block = (name, value) => {
    const shownHere = value !== null && value !== undefined
    $(`.${name}`, d).textContent = shownHere ? JSON.stringify(value, null, 2) : ''
    $(`.${name}`, d).hidden = $(`.${name}-title`, d).hidden = !shownHere
  }
  block('parameters', job.parameters ?? {})
  block('result', job.result)
  block('failure', job.error)
  block('runs', job.previousRuns?.length ? job.previousRuns : null)
  const retry = $('.retry', d),
    cancel = $('.cancel', d),
    remove = $('.delete', d)
  retry.hidden = !(job.status === 'FAILED' || job.status === 'CANCELLED')
  cancel.hidden = FINAL.has(job.status) || !!job.cancelRequestedAt
  remove.hidden = !FINAL.has(job.status)
  retry.onclick = () =>
    run(retry, () => api(`/jobs/${id}/retry`, { method: 'POST' }).then(() => changed(id, 'queued to run again')))
  cancel.onclick = () =>
    run(cancel, () => api(`/jobs/${id}`, { method: 'DELETE' }).then(() => changed(id, 'cancelled')))
  remove.onclick = () =>
    run(remove, async () => {
      await api('/jobs/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'delete', filter: { ids: [id] } }),
      })
      d.hidden = true
      toast(`job ${id} deleted`)
      await Promise.all([loadJobs(), loadTypes()])
    })
  $('.close', d).onclick = () => {
    d.hidden = true
  }
  d.scrollIntoView({ block: 'nearest' })
}

async function changed(id, what) {
  toast(`job ${id} ${what}`)
  await Promise.all([openJob(id), loadJobs(), loadTypes()])
}

// --- many jobs ----------------------------------------------------------------------------

const ACTION_WORDS = {
  cancel: ['Cancel', 'cancelled'],
  retry: ['Run again', 'queued to run again'],
  delete: ['Delete', 'deleted'],
}

async function countBulk(form) {
  $('#bulk-status').textContent = ''
  if (Object.keys(filter).length === 0) {
    $('#bulk-status').textContent = 'Filter the jobs first: an action on every job is not a filter.'
    return
  }
  const action = form.elements.action.value
  const { matched } = await bulk(action, true)
  $('#bulk-count').textContent = `${matched} job${matched === 1 ? '' : 's'} match. ${ACTION_WORDS[action][0]} them?`
  $('#bulk-confirm').hidden = false
  $('#bulk-go').onclick = () =>
    run($('#bulk-go'), async () => {
      const outcome = await bulk(action, false)
      $('#bulk-confirm').hidden = true
      $('#bulk-status').textContent = `${outcome.affected} of ${outcome.matched} jobs ${ACTION_WORDS[action][1]}`
      await Promise.all([loadJobs(), loadTypes(), loadHistory()])
    })
}

function bulk(action, dryRun) {
  return api('/jobs/actions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action, filter, dryRun }),
  })
}

// --- small things ---------------------------------------------------------------------------

/** Runs an action from a button: disabled meanwhile, its failure told. */
async function run(button, action) {
  button.disabled = true
  try {
    await action()
  } catch (err) {
    toast(err.code ? `${err.code}: ${err.message}` : err.message)
  } finally {
    button.disabled = false
  }
}

// --- start --------------------------------------------------------------------------------

$('#filter-form').onsubmit = (e) => {
  e.preventDefault()
  filter = readForm()
  $('#bulk-confirm').hidden = true
  run(e.submitter ?? $('#filter-form button'), () => loadJobs())
}
$('#bulk-form').onsubmit = (e) => {
  e.preventDefault()
  run(e.submitter ?? $('#bulk-form button'), () => countBulk(e.target))
}
$('#bulk-back').onclick = () => {
  $('#bulk-confirm').hidden = true
}
startSignIn({ store, signIn, signOut, devTokenUrl: '/dev-token?admin=true' })
