// Prints the names each entry point of the built package exports when
// require()d by name, as a CommonJS user (a CDK app, say) loads it.
const entryPoints = [
  '@aws-deployer/orchestrator',
  '@aws-deployer/orchestrator/testing',
  '@aws-deployer/orchestrator/dynamodb',
  '@aws-deployer/orchestrator/sfn',
  '@aws-deployer/orchestrator/lambda',
  '@aws-deployer/orchestrator/cdk',
];
const names = {};
for (const entryPoint of entryPoints) names[entryPoint] = Object.keys(require(entryPoint)).sort();
process.stdout.write(JSON.stringify(names));
