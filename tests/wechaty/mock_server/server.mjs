// A Wechaty puppet-service server over the official mock puppet, driven over stdin/stdout.
// stdin, one JSON object a line:  {"from": "<contact id>", "room": "<room id>"|null,
//                                  "text": "...", "mentions": ["<contact id>", ...]}
// stdout, one JSON object a line: {"ready": port} once serving; {"sent": {...}} for each
// message the bot sends (conversation, text, mentions), as the puppet received it.
import readline from 'node:readline'
import { PuppetServer } from 'wechaty-puppet-service'
import { PuppetMock, mock } from 'wechaty-puppet-mock'

const port = Number(process.env.PORT || 8788)
const token = process.env.TOKEN || 'insecure_vcbot_test'
const world = JSON.parse(process.env.WORLD || '{}')

class RecordingPuppetMock extends PuppetMock {
  // a hosted puppet keeps its account logged in when a client calls Stop then Start
  // (python-wechaty does, on every connect); the mock would stay logged out
  async onStart () {
    await super.onStart()
    if (this.botId) setImmediate(() => { if (!this.isLoggedIn) this.login(this.botId) })
  }

  // the mock's send returns no message id (python-wechaty's say() would raise after
  // delivering) and drops the mentions: record both, return an id
  async messageSendText (conversationId, text, mentionIdList) {
    await super.messageSendText(conversationId, text)
    console.log(JSON.stringify({ sent: { to: conversationId, text, mentions: mentionIdList || [] } }))
    return 'sent-' + Date.now() + '-' + Math.random().toString(36).slice(2)
  }
}

const mocker = new mock.Mocker()
const puppet = new RecordingPuppetMock({ mocker })
const bot = mocker.createContact({ id: world.bot || 'bot_self', name: '法律顾问助手' })
puppet.botId = bot.id
const contacts = Object.fromEntries((world.contacts || []).map(c => [c.id, mocker.createContact(c)]))
const rooms = Object.fromEntries((world.rooms || []).map(r => [r.id, mocker.createRoom(r)]))
const server = new PuppetServer({ endpoint: `127.0.0.1:${port}`, puppet, token, tls: { disable: true } })
await server.start()
mocker.login(bot)
console.log(JSON.stringify({ ready: port }))

readline.createInterface({ input: process.stdin }).on('line', line => {
  const c = JSON.parse(line)
  const talker = contacts[c.from]
  const mentions = (c.mentions || []).map(id => contacts[id] || bot)
  talker.say(c.text, mentions).to(c.room ? rooms[c.room] : bot)
})
process.on('SIGTERM', async () => { await server.stop(); process.exit(0) })
