// kafkajs against a Ringlog cluster, for ClusterInteropIT. Two modes, each printing one line of JSON on stdout:
//   produce <brokers> <topic> <prefix> <count>   acks=-1 (all), one record per send; {"sent":count}
//   consume <brokers> <topic> <count>            from the beginning of partition 0 until count records; {"values":[...]}
// <brokers> is host:port[,host:port...]. Exit code 0 once the line is written.
const { Kafka, logLevel } = require('kafkajs')

const [mode, brokers, topic, ...rest] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'ringlog-interop', brokers: brokers.split(','), logLevel: logLevel.NOTHING,
  connectionTimeout: 3000, requestTimeout: 10000, retry: { retries: 10, initialRetryTime: 100 } })

const produce = async (prefix, count) => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  for (let i = 0; i < count; i++) {
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: `${prefix}-${i}` }] })
  }
  await producer.disconnect()
  console.log(JSON.stringify({ sent: count }))
}

const consume = async (count) => {
  const consumer = kafka.consumer({ groupId: `interop-${Date.now()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  await new Promise((resolve) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString())
        if (values.length >= count) resolve()
      }
    })
  })
  await consumer.disconnect()
  console.log(JSON.stringify({ values }))
}

const main = mode === 'produce' ? () => produce(rest[0], Number(rest[1])) : () => consume(Number(rest[0]))
main().then(() => process.exit(0)).catch(e => {
  console.error(e)
  process.exit(2)
})
