/**
 * The layers of src/, from the bottom up, and what each may import (docs/architecture.md
 * explains them). `npm test` runs this check (test/unit/architecture.test.ts): a new
 * circle or an arrow pointing up fails the build.
 *
 *   base        errors.ts version.ts util/ types/ observe/events.ts observe/log.ts
 *   protocol    protocol/ config/
 *   keyspace    keyspace/
 *   core        commands/ (context, spec, dispatch, host, the command groups)
 *   net         net/ (sessions, listeners, outgoing links)
 *   subsystems  persistence/ replication/ security/ pubsub/ observe/ (the rest) sentinel/ egress/
 *   root        node.ts features.ts deploy/ k8s/ (manifests, the in-pod hooks)
 *   cli         cli/, k8s/runtime.ts (a pod's entrypoint: it starts `dssm server` / `dssm sentinel`)
 */
const BASE = '^src/(errors|version)\\.ts$|^src/(util|types)/|^src/observe/(events|log)\\.ts$';
const PROTOCOL = '^src/(protocol|config)/';
const KEYSPACE = '^src/keyspace/';
const CORE = '^src/commands/';
const NET = '^src/net/';
const SUBSYSTEMS = '^src/(persistence|replication|security|pubsub|observe|sentinel|egress)/';
const ROOT = '^src/(node|features)\\.ts$|^src/deploy/|^src/k8s/(?!runtime\\.ts$)';
const CLI = '^src/cli/|^src/k8s/runtime\\.ts$';

/** A rule: modules matching `from` may not import modules matching `to` (minus `except`; the base layer is open to all). */
function layer(name, comment, from, to, except) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: to, pathNot: except ? `${BASE}|${except}` : BASE } };
}

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'Import circles make every part of them impossible to change or test alone.', severity: 'error', from: {}, to: { circular: true } },
    layer('base-imports-nothing-above', 'errors, version, util, types and the event channels are the bottom layer.', BASE, '^src/'),
    layer('protocol-config-stay-low', 'The RESP codec and the configuration know nothing about commands, keyspace or subsystems.', PROTOCOL, `${KEYSPACE}|${CORE}|${NET}|${SUBSYSTEMS}|${ROOT}|${CLI}`),
    layer('keyspace-below-commands', 'The keyspace and its types know nothing about commands, connections or subsystems.', KEYSPACE, `${CORE}|${NET}|${SUBSYSTEMS}|${ROOT}|${CLI}`),
    layer(
      'core-imports-no-subsystem',
      'Command handlers reach subsystems only through the context interfaces (ServerContext.ext, NodeHost); the value codec (persistence/rdb-value.ts, DUMP/RESTORE) is the one shared piece.',
      CORE,
      `${NET}|${SUBSYSTEMS}|${ROOT}|${CLI}`,
      '^src/persistence/rdb-value\\.ts$',
    ),
    layer('net-below-subsystems', 'Connections carry requests to the dispatcher; they do not import subsystems.', NET, `${SUBSYSTEMS}|${ROOT}|${CLI}`),
    layer('subsystems-below-the-root', 'Subsystems install into a NodeHost; only the composition root (node.ts, features.ts) and deploy/ see them all.', SUBSYSTEMS, `${ROOT}|${CLI}`),
    layer('sentinel-is-a-separate-process', 'A sentinel is a Redis-protocol client of data nodes: it never imports the data node\'s core or subsystems.', '^src/sentinel/', `${KEYSPACE}|${CORE}|^src/(persistence|replication|pubsub|egress|k8s)/`),
    layer('egress-is-a-client-of-the-store', 'The egress gateway talks to the store over the Redis protocol, not through its internals.', '^src/egress/', `${KEYSPACE}|${CORE}|^src/(persistence|replication|pubsub|sentinel)/`),
    layer('root-below-cli', 'The composition root does not import the command line.', ROOT, CLI),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
