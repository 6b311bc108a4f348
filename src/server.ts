// Entry point: `npm start`. Loads the configuration, starts faena and listens; the first
// SIGINT/SIGTERM shuts down gracefully (running jobs finish or go back to the queue), a second
// one exits at once.
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config/load-config.js'
import { createLogger } from './logger.js'
import { startFaena } from './runtime.js'

const config = (() => {
  try {
    return loadConfig()
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exit(78) // EX_CONFIG
  }
})()
const logger = createLogger(config)

try {
  const faena = await startFaena({ config, logger })
  closeWithGrace(
    { delay: config.SHUTDOWN_TIMEOUT_MS + config.CANCEL_GRACE_MS + 10_000, logger },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'shutting down after an error')
      else logger.info({ signal }, 'shutting down')
      await faena.stop()
    },
  )
  const address = await faena.listen()
  logger.info({ address, docs: `${address}/docs` }, 'faena is listening')
} catch (err) {
  logger.fatal({ err }, 'faena could not start')
  process.exitCode = 1
}
