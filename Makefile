# The two commands of the README (CONTRACT.md "Set-up"). Both can run again without cleaning up.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test install bench clean model

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/yuqing demo

test: $(STAMP)
	bash scripts/test.sh

# The judgement model the package ships, from the real corpus (tests/data/real): splits, then the fit.
# The same corpus and seed give the same file (tests/monitor/test_judgement_model.py holds it so).
model: $(STAMP)
	$(VENV)/bin/python scripts/build_corpus.py tests/data/real
	$(VENV)/bin/yuqing train

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) var build *.egg-info
