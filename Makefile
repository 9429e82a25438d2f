# Quick start: `make demo` and `make test` work on a fresh clone with only Python 3.11.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup demo test lint unit browser-deps wechaty-deps catalog clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11：找不到 $(PY)（可用 make PY=python3 ...）"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## demo: set up, migrate, load the fictional demo county, serve http://$(HOST):$(PORT)/
##       (make demo PORT=8090 when 8080 is taken)
DEMO_ENV := VCBOT_MODE=demo VCBOT_DATABASE_URL=sqlite:///var/demo.db VCBOT_DEFAULT_CHANNEL=simulator
demo: setup
	rm -f var/demo.db var/demo.db-wal var/demo.db-shm
	$(DEMO_ENV) $(BIN)/vcbot db upgrade
	$(DEMO_ENV) $(BIN)/vcbot demo load --reset
	$(DEMO_ENV) $(BIN)/vcbot serve --host $(HOST) --port $(PORT)

## catalog: compile click's messages in Chinese (the .po) to the .mo the command line reads;
## run it after editing the .po (a test checks the two agree)
CATALOG := bot/locale/zh_CN/LC_MESSAGES/messages
catalog: setup
	$(BIN)/pybabel compile -i $(CATALOG).po -o $(CATALOG).mo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## browser-deps: Debian's chromium and a Chinese font for the page tests and screenshots
## (the page tests are skipped with a reason when chromium is absent)
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi microhei; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1)) \
	      || echo "chromium 或中文字体安装失败：浏览器测试将跳过或截图无中文"; \
	  else echo "未安装 chromium 或中文字体（$(BROWSER_PACKAGES)）：浏览器测试将跳过"; fi; \
	fi

## wechaty-deps: the npm puppet-service server with the mock puppet, pinned by its lockfile,
## for the WeChat end-to-end tests (skipped with the reason when node is absent)
MOCK_SERVER := tests/wechaty/mock_server
wechaty-deps: $(MOCK_SERVER)/node_modules/.installed
$(MOCK_SERVER)/node_modules/.installed: $(MOCK_SERVER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(MOCK_SERVER) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "未安装 node/npm：微信端到端测试将跳过"; fi

unit: setup
	$(BIN)/pytest

## test: lint + the whole suite; every database test runs on SQLite and, when
## VCBOT_TEST_POSTGRES_URL is set (.ci/run sets it), again on PostgreSQL
test: lint browser-deps wechaty-deps
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache $(MOCK_SERVER)/node_modules
