// What Vercel's own code decides for a project folder (argv[2]), as JSON: the framework its
// zero-config detection picks (@vercel/fs-detectors with @vercel/frameworks' list), the entrypoint
// the @vercel/python builder resolves for it (its exported detectEntrypoint), the manifest that
// builder installs dependencies from (@vercel/python-analysis discoverPythonPackage), and the
// vercel-runtime version it installs into every function.
const { readFileSync } = require("node:fs");
const { detectEntrypoint } = require("@vercel/python");
const { discoverPythonPackage } = require("@vercel/python-analysis");
const { detectFramework, LocalFileSystemDetector } = require("@vercel/fs-detectors");
const frameworks = require("@vercel/frameworks");

(async () => {
  const root = process.argv[2];
  const framework = await detectFramework({ fs: new LocalFileSystemDetector(root), frameworkList: frameworks.default ?? frameworks.frameworks });
  const entrypoint = await detectEntrypoint({ workPath: root, framework });
  const pkg = await discoverPythonPackage({ entrypointDir: root, rootDir: root });
  const builder = readFileSync(require.resolve("@vercel/python"), "utf8");
  const runtime = /VERCEL_RUNTIME_VERSION = "([^"]+)"/.exec(builder)[1];
  const manifest = pkg.manifest && { path: pkg.manifest.path, dependencies: pkg.manifest.data?.project?.dependencies ?? null };
  console.log(JSON.stringify({ framework, entrypoint, manifest, runtime, builder: require("@vercel/python/package.json").version }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
