// A kafkajs transactional producer against a Ringlog broker, for ClientInteropIT: one line of JSON on stdout saying
// how the transaction failed (or that it did not), and how long it took. Exit code 0 once that line is written.
// Usage: NODE_PATH=<node_modules> node kafkajs-transaction.js <host:port> <transactional.id>
const { Kafka, logLevel } = require('kafkajs')

const [broker, transactionalId] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'ringlog-interop', brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 3000, requestTimeout: 5000 })
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })

const main = async () => {
  await producer.connect()
  const start = Date.now()
  let outcome
  try {
    const transaction = await producer.transaction()
    await transaction.abort()
    outcome = { failed: false, ms: Date.now() - start }
  } catch (e) {
    outcome = { failed: true, ms: Date.now() - start, name: e.name, type: e.type, code: e.code, message: e.message }
  }
  console.log(JSON.stringify(outcome))
  await producer.disconnect()
}

main().catch(e => {
  console.error(e)
  process.exit(2)
})
