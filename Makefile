# Ventanilla: the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup db train run shell test test-python validate test-conversations eval lint bench clean

help:
	@echo "make run    set everything up and run the assistant (SQLite, in-memory locks)"
	@echo "make test   set everything up and run the whole suite"
	@echo "make shell  chat with the assistant in this terminal"
	@echo "make eval   understanding, fact answers and readability on the held-out sets (writes results/)"
	@echo "make lint   ruff and mypy"

setup:
	@scripts/bootstrap.sh

db: setup
	@source scripts/env.sh && mkdir -p var && python -m bot.infodb migrate && python -m bot.infodb import --if-empty \
		&& python -m bot.privacy purge

train: setup
	@scripts/train.sh full >/dev/null

run: setup db
	@scripts/run.sh

shell: setup db
	@scripts/run.sh shell

test: setup
	@scripts/test.sh

eval: setup
	@source scripts/env.sh && status=0; python -m bot.tools.evaluate || status=1; \
		python -m bot.tools.answer_eval || status=1; python -m bot.tools.readability || status=1; exit $$status

lint: setup
	@source scripts/env.sh && ruff check bot actions tests bench && mypy bot actions

bench: setup
	@source scripts/env.sh && python bench/language_detection.py && python bench/answer_latency.py \
		&& python bench/import_answers.py && python bench/whatsapp_ack.py && python bench/telegram_ack.py \
		&& python bench/handoff_burst.py && python bench/console_queue_latency.py && python bench/evidence_dashboard.py \
		&& python bench/db_round_trips.py && python bench/alerts.py

clean:
	rm -rf models results var .rasa
