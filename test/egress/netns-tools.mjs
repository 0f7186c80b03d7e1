// Small programs the network-namespace tests (and examples/egress-demo.sh) run inside namespaces.
//
//   node netns-tools.mjs serve HOST PORT...   TCP: greets with the peer address it sees, echoes,
//                                             and after the client's FIN sends "bye" and closes;
//                                             UDP on the same ports: answers "peer <addr> <data>".
//   node netns-tools.mjs connect HOST PORT TEXT [HOLD_MS]
//                                             connect, send TEXT, wait HOLD_MS, half-close, print all
//                                             that came back
import net from 'node:net';
import dgram from 'node:dgram';

const [, , mode, ...args] = process.argv;

if (mode === 'serve') {
  const host = args[0];
  for (const port of args.slice(1).map(Number)) {
    net
      .createServer({ allowHalfOpen: true }, (s) => {
        s.write(`peer ${s.remoteAddress}\n`);
        s.on('data', (d) => s.write(d));
        s.on('end', () => s.end('bye\n'));
        s.on('error', () => {});
      })
      .listen(port, host);
    const u = dgram.createSocket('udp6');
    u.on('message', (m, r) => u.send(`peer ${r.address} ${m}`, r.port, r.address));
    u.bind(port, host);
  }
  console.log('ready');
} else if (mode === 'connect') {
  const [host, port, text, hold] = args;
  const s = net.connect({ host, port: Number(port), allowHalfOpen: true });
  let out = '';
  s.on('data', (d) => (out += d));
  s.on('connect', () => {
    s.write(text + '\n');
    setTimeout(() => s.end(), Number(hold ?? 0));
  });
  s.on('end', () => {
    process.stdout.write(out);
    s.destroy();
  });
  s.on('error', (e) => {
    process.stdout.write(`error ${e.code ?? e.message}\n`);
    process.exit(1);
  });
}
