# AWS Lambda package for template.yaml. `sam build` runs build-<LogicalId> for each function whose
# Metadata says `BuildMethod: makefile`, in this folder (samconfig.toml: build_in_source; without it,
# in a scratch copy of all of CodeUri, node_modules included) with ARTIFACTS_DIR set to the
# function's package directory:
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-custom-runtimes.html
# SAM's default Python build would copy all of CodeUri into the package (tests/, docs/,
# adapters/netlify/node_modules/, ...): only .git, caches and virtualenvs are left out. This target
# puts in exactly the runtime: the modules of core/ and adapters/ and requirements-lambda.txt.
PYTHON ?= python3
# Wheels for Lambda's python3.12 on x86_64 whatever machine builds: httptools, orjson and uvloop are
# native, and these flags fetch their manylinux wheels instead of building for the builder's platform.
LAMBDA_WHEELS = --platform manylinux2014_x86_64 --implementation cp --python-version 3.12 --only-binary=:all:

.PHONY: build-GatewayFunction build-StreamingFunction
build-GatewayFunction build-StreamingFunction:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile $(LAMBDA_WHEELS) \
		--target "$(ARTIFACTS_DIR)" -r requirements-lambda.txt
	mkdir -p "$(ARTIFACTS_DIR)/core" "$(ARTIFACTS_DIR)/adapters"
	cp core/*.py "$(ARTIFACTS_DIR)/core/"
	cp adapters/*.py adapters/aws_lambda_run.sh "$(ARTIFACTS_DIR)/adapters/"
	chmod 755 "$(ARTIFACTS_DIR)/adapters/aws_lambda_run.sh"
	# Bytecode, so that no cold start compiles the sources again (the package is read-only at run
	# time): only an interpreter of Lambda's own version (3.12; `sam build --use-container`) can write it.
	if $(PYTHON) -c 'import sys; raise SystemExit(sys.version_info[:2] != (3, 12))'; then \
		$(PYTHON) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)"; fi
