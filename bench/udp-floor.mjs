// The floor the RADIUS benchmark is read against: a bare Node UDP responder on PORT that answers
// every datagram at once with an Access-Accept of the request's identifier and of the size
// voucherd's grants have, computing and storing nothing. The same load generator, against it in
// the same run, measures what the machine, its loopback and the generator allow at that moment:
// voucherd can do no better. Prints "listening" once bound.
import { createSocket } from 'node:dgram';

const PORT = Number(process.env.PORT);
if (!Number.isInteger(PORT) || PORT <= 0) throw new Error('PORT is required');

// Header and attributes as long as a grant with rate limits (Session-Timeout, Class, interim,
// WISPr and Mikrotik rates, Message-Authenticator): about 130 octets.
const ACCEPT = Buffer.alloc(130);
ACCEPT[0] = 2;
ACCEPT.writeUInt16BE(ACCEPT.length, 2);

const socket = createSocket('udp4');
socket.on('message', (request, remote) => {
  if (request.length < 20) return;
  const reply = Buffer.from(ACCEPT);
  reply[1] = request[1];
  socket.send(reply, remote.port, remote.address);
});
socket.bind(PORT, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
