// Bin entries run the compiled output; a fresh checkout gets it from `npm ci` (prepare) or `npm run build`.
const path = require('node:path');
const fs = require('node:fs');

module.exports = function runBuilt(relative) {
  const file = path.join(__dirname, '..', 'dist', 'js', relative);
  if (!fs.existsSync(file)) {
    process.stderr.write(
      `${path.basename(process.argv[1])}: ${file} is missing; run \`npm run build\` first\n`,
    );
    process.exitCode = 1;
    return;
  }
  require(file);
};
