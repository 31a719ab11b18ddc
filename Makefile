# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit wheel-smoke bench bench-comments bench-report bench-reminders bench-chain setup fonts browser screens clean demo messages

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

# The smoke runs before the suite so pytest's summary stays the last line of `make test`.
test: lint typecheck wheel-smoke unit

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
