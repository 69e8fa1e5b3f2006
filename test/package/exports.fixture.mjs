// Prints the names each entry point of the built package exports, importing
// it by name as users do.
const entryPoints = [
  '@aws-deployer/orchestrator',
  '@aws-deployer/orchestrator/testing',
  '@aws-deployer/orchestrator/dynamodb',
  '@aws-deployer/orchestrator/sfn',
  '@aws-deployer/orchestrator/lambda',
  '@aws-deployer/orchestrator/cdk',
];
const names = {};
for (const entryPoint of entryPoints) names[entryPoint] = Object.keys(await import(entryPoint)).sort();
process.stdout.write(JSON.stringify(names));
