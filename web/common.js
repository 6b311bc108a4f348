// What the user page (app.js) and the operators' console (admin.js) share: a signed-in API
// client whose errors carry the service's error code, toasts, and small formatters.

/** A job in one of these has ended: nothing changes after. */
export const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED'])

/** The first element `sel` matches under `root`. */
export const $ = (sel, root = document) => root.querySelector(sel)

/** A bearer token kept in localStorage under `key`. */
export function tokenStore(key) {
  return {
    get token() {
      return localStorage.getItem(key)
    },
    set token(v) {
      v ? localStorage.setItem(key, v) : localStorage.removeItem(key)
    },
  }
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.code
  }
}

/** Signed-in requests with the store's token; an answer that is not 2xx throws ApiError. */
export function apiClient(store) {
  async function request(path, init = {}) {
    const res = await fetch(path, { ...init, headers: { authorization: `Bearer ${store.token}`, ...init.headers } })
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null))
    return res
  }
  async function api(path, init = {}) {
    const res = await request(path, init)
    return res.status === 204 ? null : res.json()
  }
  return { request, api }
}

/** The `sub` of a JWT (for "signed in as"). */
export function userOf(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub
  } catch {
    return '?'
  }
}

export function toast(text) {
  const el = Object.assign(document.createElement('div'), { className: 'toast', textContent: text })
  document.querySelector('#toasts').append(el)
  setTimeout(() => el.remove(), 8000)
}

export const duration = (s) =>
  s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`

/**
 * Wires the sign-in form (#token-form, #token), #sign-out and #dev-token (shown when the server
 * offers a development token at `devTokenUrl`), and signs in with a kept token.
 */
export function startSignIn({ store, signIn, signOut, devTokenUrl }) {
  $('#token-form').onsubmit = (e) => {
    e.preventDefault()
    signIn($('#token').value.trim())
  }
  $('#sign-out').onclick = signOut
  fetch(devTokenUrl).then(async (res) => {
    if (!res.ok) return
    const { token } = await res.json()
    const button = $('#dev-token')
    button.hidden = false
    button.onclick = () => signIn(token)
  })
  if (store.token) signIn(store.token)
}
