# Aileron's build. `make demo` runs the platform locally; `make test` is what
# CI runs. Every tool is built from the Go module proxy into bin/, in a
# directory named after its version, so a second run builds nothing.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

# BIN holds the tools. Point it elsewhere (BIN=~/.cache/aileron/bin) to share
# one set of tools between clones.
BIN ?= $(CURDIR)/bin

# Versions come from the tool modules' go.mod files, the single source of truth.
modver = $(shell awk '{ for (i = 1; i < NF; i++) if ($$i == "$(2)" && $$(i+1) ~ /^v/) { print $$(i+1); exit } }' hack/tools/$(1)go.mod)
KUBE_VERSION           := $(call modver,kube/,k8s.io/kubernetes)
ETCD_VERSION           := $(call modver,kube/,go.etcd.io/etcd/server/v3)
KWOK_VERSION           := $(call modver,kwok/,sigs.k8s.io/kwok)
CONTROLLER_GEN_VERSION := $(call modver,,sigs.k8s.io/controller-tools)
GOLANGCI_LINT_VERSION  := $(call modver,lint/,github.com/golangci/golangci-lint/v2)
ARGOCD_VERSION         := $(call modver,argocd/,github.com/argoproj/argo-cd/v2)
ESO_VERSION            := $(call modver,eso/,github.com/external-secrets/external-secrets)

# KUBE_ASSETS is a KUBEBUILDER_ASSETS directory: kube-apiserver, etcd and
# kubectl for envtest, plus the controller manager and scheduler for fleets.
KUBE_ASSETS    := $(BIN)/k8s-$(KUBE_VERSION)-etcd-$(ETCD_VERSION)
KWOK_DIR       := $(BIN)/kwok-$(KWOK_VERSION)
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
GOLANGCI_LINT  := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
ARGOCD_DIR     := $(BIN)/argocd-$(ARGOCD_VERSION)
ESO_DIR        := $(BIN)/external-secrets-$(ESO_VERSION)

export KUBEBUILDER_ASSETS := $(KUBE_ASSETS)
export AILERON_KUBE_ASSETS := $(KUBE_ASSETS)
export AILERON_KWOK_DIR := $(KWOK_DIR)
export AILERON_ARGOCD_DIR := $(ARGOCD_DIR)
export AILERON_ESO_DIR := $(ESO_DIR)
export AILERON_SHARED_DIR ?= $(abspath $(CURDIR)/../shared)

# Files written by `make generate manifests`, never by hand.
GENERATED := api/v1alpha1/zz_generated.deepcopy.go internal/delivery/gitops/argocd/zz_generated.deepcopy.go config/crd/bases config/rbac/role.yaml internal/stack/sveltos/zz_generated.deepcopy.go

GO_TEST_FLAGS ?= -count=1 -timeout=30m

##@ General

.PHONY: demo
demo: $(KUBE_ASSETS)/.built $(KWOK_DIR)/.built $(ESO_DIR)/.built build ## Run the whole platform locally until Ctrl-C (see README, "First five minutes").
	$(BIN)/aileron dev

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy functions for the API.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/... paths=./internal/delivery/gitops/argocd/... paths=./internal/stack/sveltos/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from markers.
	rm -rf config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=aileron-manager crd paths=./api/... paths=./internal/... paths=./cmd/... \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: verify-generated
verify-generated: ## Fail when generated files differ from what the generators write.
	@before=$$(find $(GENERATED) -type f | sort | xargs sha256sum); \
	$(MAKE) --no-print-directory generate manifests >/dev/null; \
	after=$$(find $(GENERATED) -type f | sort | xargs sha256sum); \
	if [ "$$before" != "$$after" ]; then \
		echo "generated files are stale: run 'make generate manifests' and commit the result"; \
		diff <(echo "$$before") <(echo "$$after") || true; exit 1; fi

.PHONY: fmt
fmt: ## Format the code.
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

##@ Test

.PHONY: test
test: tools chromium verify-generated vet lint ## Generators, vet, lint, unit, envtest, fleet and browser tests (CI also runs test-faults).
	go test $(GO_TEST_FLAGS) $$(go list ./... | grep -v /test/faults)

.PHONY: test-faults
# The fuzzer starts from the committed seeds in a fresh cache: the inputs
# earlier runs kept would be replayed first, and as they grow with every run
# they would take more of the 20 s each time. Minimizing an input costs up to
# a minute by default, and an input that reaches the API server often finds
# new coverage in the client library: 10 runs per minimization leave the
# 20 s to fuzzing.
test-faults: tools ## The resilience and security suite (test/faults), and 20 s of fuzzing the renderer.
	go test $(GO_TEST_FLAGS) ./test/faults/...
	cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && \
		go test -run='^$$' -fuzz=FuzzComponent -fuzztime=20s -fuzzminimizetime=10x ./internal/render -args -test.fuzzcachedir="$$cache"

.PHONY: bench
bench: $(KUBE_ASSETS)/.built $(ARGOCD_DIR)/.built redis ## Measure convergence, memory and writes on a hub and three API-only spokes (see BENCHMARKS.md; BENCH_FLAGS=-components=…).
	go run ./test/bench $(BENCH_FLAGS)

.PHONY: test-unit
test-unit: ## Only the tests that need no API server.
	go test $(GO_TEST_FLAGS) -short ./...

##@ Build

.PHONY: build
build: ## Build the manager and the CLI into bin/ (with kubectl-aileron, the kubectl plugin).
	CGO_ENABLED=0 go build -o $(BIN)/manager ./cmd/manager
	CGO_ENABLED=0 go build -o $(BIN)/aileron ./cmd/aileron
	ln -sf aileron $(BIN)/kubectl-aileron

##@ Tools

.PHONY: tools
tools: $(KUBE_ASSETS)/.built $(KWOK_DIR)/.built $(ARGOCD_DIR)/.built $(ESO_DIR)/.built redis $(CONTROLLER_GEN) $(GOLANGCI_LINT) ## Build every tool into bin/ (once per version).

# Stamp the version the binaries report (/version, kubectl version), as
# the upstream release build does.
KUBE_MINOR := $(word 2,$(subst ., ,$(KUBE_VERSION)))
KUBE_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(KUBE_MINOR) \
	-X k8s.io/component-base/version.gitTreeState=clean

# The control plane: a Kubernetes release with its staging modules replaced
# by their published versions (hack/tools/kube/go.mod), and the etcd server.
$(KUBE_ASSETS)/.built:
	@echo "building Kubernetes $(KUBE_VERSION) and etcd $(ETCD_VERSION) into $(KUBE_ASSETS) (a few minutes the first time)"
	mkdir -p $(KUBE_ASSETS)
	cd hack/tools/kube && go build -ldflags "$(KUBE_LDFLAGS)" -o $(KUBE_ASSETS)/ \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3
	mv $(KUBE_ASSETS)/server $(KUBE_ASSETS)/etcd
	touch $@

# kwok plays the kubelet for fake nodes; its stage definitions come from its
# own module: nodes initialise and keep their lease, pods become ready,
# complete and go away when deleted.
$(KWOK_DIR)/.built:
	mkdir -p $(KWOK_DIR)/stages
	cd hack/tools/kwok && go build -o $(KWOK_DIR)/kwok sigs.k8s.io/kwok/cmd/kwok
	src=$$(cd hack/tools/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage; \
	install -m 0644 $$src/node/fast/node-initialize.yaml $$src/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
		$$src/pod/fast/pod-ready.yaml $$src/pod/fast/pod-complete.yaml $$src/pod/fast/pod-delete.yaml $(KWOK_DIR)/stages/
	touch $@

# Argo CD for the GitOps end-to-end test: one binary that is the repo
# server, the application controller or the ApplicationSet controller
# depending on ARGOCD_BINARY_NAME, and the CRDs of the same version. Its
# module pins its own Kubernetes libraries (hack/tools/argocd/go.mod).
$(ARGOCD_DIR)/.built:
	@echo "building Argo CD $(ARGOCD_VERSION) into $(ARGOCD_DIR) (a few minutes the first time)"
	mkdir -p $(ARGOCD_DIR)/crds
	cd hack/tools/argocd && go build -o $(ARGOCD_DIR)/argocd github.com/argoproj/argo-cd/v2/cmd
	src=$$(cd hack/tools/argocd && go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v2)/manifests/crds; \
	install -m 0644 $$src/application-crd.yaml $$src/applicationset-crd.yaml $$src/appproject-crd.yaml $(ARGOCD_DIR)/crds/
	touch $@

# The External Secrets Operator, which materialises a cell's Secrets from a
# plane's ClusterSecretStore: its controller binary and the CRDs it serves
# (ExternalSecret, SecretStore, ClusterSecretStore, and the generator state
# it watches). Its module pins its own Kubernetes libraries
# (hack/tools/eso/go.mod).
$(ESO_DIR)/.built:
	@echo "building the External Secrets Operator $(ESO_VERSION) into $(ESO_DIR) (about ten minutes the first time)"
	mkdir -p $(ESO_DIR)/crds
	cd hack/tools/eso && go build -o $(ESO_DIR)/external-secrets github.com/external-secrets/external-secrets
	src=$$(cd hack/tools/eso && go list -m -f '{{.Dir}}' github.com/external-secrets/external-secrets)/config/crds/bases; \
	install -m 0644 $$src/external-secrets.io_externalsecrets.yaml $$src/external-secrets.io_secretstores.yaml \
		$$src/external-secrets.io_clustersecretstores.yaml $$src/generators.external-secrets.io_generatorstates.yaml $(ESO_DIR)/crds/
	touch $@

# Argo CD keeps its caches in Redis: Debian's package.
.PHONY: redis
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing Debian's redis-server for the GitOps end-to-end test"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# The dashboard's browser test drives headless Chromium: Debian's package.
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the dashboard's browser test"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(CONTROLLER_GEN):
	mkdir -p $(BIN)
	cd hack/tools && go build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen

$(GOLANGCI_LINT):
	mkdir -p $(BIN)
	cd hack/tools/lint && go build -o $@ github.com/golangci/golangci-lint/v2/cmd/golangci-lint
