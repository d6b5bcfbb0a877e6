// Validates Gateway API objects against the official CRD schemas, as packaged by
// @kubernetes-models/gateway-api: reads a JSON array of objects (argv[2]), prints one line per
// object and exits 1 when any is refused or is of a kind it does not know.
const fs = require('fs');
const models = require('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1');
const objects = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failed = 0;
for (const obj of objects) {
  const Model = models[obj.kind];
  const name = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
  if (obj.apiVersion !== 'gateway.networking.k8s.io/v1' || !Model) {
    console.log(`ERROR ${name}: not a Gateway API v1 kind`);
    failed++;
    continue;
  }
  try {
    new Model(obj).validate();
    console.log(`ok ${name}`);
  } catch (e) {
    console.log(`ERROR ${name}: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
