// Load a zuliprc with zulip-js exactly as its README shows, and print GET /users/me as JSON.
// Usage: node get_profile.cjs PATH-TO-ZULIPRC
const zulipInit = require("zulip-js");

async function main() {
  const client = await zulipInit({ zuliprc: process.argv[2] });
  const profile = await client.users.me.getProfile();
  process.stdout.write(JSON.stringify(profile) + "\n");
}

main().catch((error) => {
  process.stderr.write(`zulip-js failed: ${error.message}\n`);
  process.exit(1);
});
