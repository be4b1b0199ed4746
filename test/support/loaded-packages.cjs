// Preloaded into a CLI process (NODE_OPTIONS=--require): on exit, writes the npm packages it loaded
// through the CommonJS loader (ESM imports of CommonJS packages land there too) to GAMEDAY_LOADED_FILE.
const fs = require('node:fs');

process.on('exit', () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf('node_modules/');
    const match = at < 0 ? null : /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.slice(at));
    if (match) packages.add(match[1]);
  }
  fs.writeFileSync(process.env.GAMEDAY_LOADED_FILE, JSON.stringify([...packages].sort()));
});
