// Preload for profiling: `node --cpu-prof --import ./bench/exit-on-signal.mjs bin/dssm.js server ...`
// then `kill -USR2 <pid>` exits at once, so that --cpu-prof writes its profile.
process.on('SIGUSR2', () => process.exit(0));
