# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit wheel-smoke process-smoke compose-tool compose-config bench bench-comments bench-report bench-reminders bench-chain setup fonts browser screens clean demo messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Posters are drawn in DejaVu Sans (it covers Vietnamese), installed from Debian, not committed.
FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
fonts:
	@test -f $(FONT) || test -n "$$GOPY_POSTER_FONT_DIR" || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null; }; } || \
	  echo "Posters need DejaVu Sans: sudo apt-get install fonts-dejavu-core (or set GOPY_POSTER_FONT_DIR)"

# The browser tests drive Debian's Chromium (tests/browser); Playwright never downloads one.
# The emoji font draws the bot's buttons in the screenshots. apt-get update (slow) runs only
# when one of them is missing.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM = $${GOPY_CHROMIUM:-/usr/bin/chromium}
EMOJI := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
browser:
	@{ test -x "$(CHROMIUM)" && test -f $(EMOJI); } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }; } || \
	  echo "Browser tests need Chromium: sudo apt-get install chromium fonts-noto-color-emoji (or set GOPY_CHROMIUM)"

run: $(STAMP) fonts
	$(BIN)/gopy db upgrade
	$(BIN)/gopy run

demo: $(STAMP)
	$(BIN)/gopy db upgrade
	$(BIN)/gopy demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers storage scheduler services tests

unit: $(STAMP) fonts browser
	$(BIN)/pytest -q

# Retake the browser tests' screenshots into docs/screens/ (one per step, compressed PNG).
screens: $(STAMP) browser
	GOPY_TEST_SCREENS=docs/screens $(BIN)/pytest -q -m "not postgres" tests/browser

# The smokes run before the suite so pytest's summary stays the last line of `make test`.
test: lint typecheck compose-config wheel-smoke process-smoke unit

# compose.yaml is checked without a Docker daemon: `docker compose config`, or Debian's
# docker-compose (1.29, installed here when neither is present) where the plugin is missing.
compose-tool:
	@docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq docker-compose >/dev/null; }; } || \
	  { echo "compose.yaml needs a checker: sudo apt-get install docker-compose"; exit 1; }

# In a scratch folder with .env.example as .env: the checkout's own .env is neither needed
# nor read (nor created: gopy itself would read it).
compose-config: compose-tool
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  cp compose.yaml Dockerfile .dockerignore "$$tmp"/ && mkdir "$$tmp/deploy" && \
	  cp deploy/Caddyfile "$$tmp/deploy/" && cp .env.example "$$tmp/.env" && cd "$$tmp" && \
	  if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	  else compose=docker-compose; fi && \
	  POSTGRES_PASSWORD=ci $$compose config -q && echo "compose.yaml: valid ($$compose config)"

# Two `gopy run` workers and `gopy scheduler` as processes on this machine's PostgreSQL and
# Redis (a database and a Redis db of their own), one update through each webhook, SIGTERM.
process-smoke: $(STAMP)
	$(BIN)/python -m tests.smoke.processes

# Build the wheel, install it in a fresh venv outside the checkout and run gopy from there
# (migrations, demo, reminders, a DOCX letter, QR and poster, one update answered in Vietnamese).
wheel-smoke: $(STAMP) fonts
	$(BIN)/python -m tests.smoke.wheel_smoke

bench: $(STAMP)
	$(BIN)/python -m tests.bench.report_flow

bench-comments: $(STAMP) fonts
	$(BIN)/python -m tests.bench.comments
	$(BIN)/python -m tests.bench.render
	$(BIN)/python -m tests.bench.exports

# The letter alone, then 10,000 cells × 5 weeks and 1,000,000 comments (SQLite, PostgreSQL).
bench-report: $(STAMP)
	$(BIN)/python -m tests.bench.letter
	$(BIN)/python -m tests.bench.consolidated --postgres

# 30 wards × 300 cells signing their weeks: a ward's draft, the city's letter (SQLite, PostgreSQL).
bench-chain: $(STAMP)
	$(BIN)/python -m tests.bench.chain

# 5,000 reminders at 25/s against a fake Bot API enforcing Telegram's limits (≈ 8 min).
bench-reminders: $(STAMP)
	$(BIN)/python -m tests.bench.reminders

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache

# Refresh the catalogues after changing user-facing strings; then translate the new entries.
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --no-wrap -F babel.cfg -k _ -k N_ -o bot/locales/messages.pot handlers bot storage
	$(BIN)/pybabel update --width 99 --no-fuzzy-matching --ignore-obsolete -D messages -i bot/locales/messages.pot -d bot/locales
	rm bot/locales/messages.pot
