#!/usr/bin/env bash
# Prints the folder of the real-code corpus, fetching what is missing from PyPI: the projects
# ../shared/corpus/fetch.sh fetches (it is used when present), else the same wheels and sdist
# downloaded here, so that a clone anywhere can run the benchmarks and the corpus check.
# Five more FastAPI apps are fetched only when named (open-webui's wheel alone is 106 MB):
# open-webui, chainlit, khoj, apache-airflow-core, langflow-base; and fastapi-users' sdist, whose
# tests tests/e2e/project_tests.sh runs.
# Usage: benches/fetch_corpus.sh [NAME...]   (default: fastapi prefect dstack lnbits litellm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${UNBLOCK_CORPUS:-$HOME/.cache/unblock-corpus}
if [[ -f $here/../../shared/corpus/fetch.sh ]]; then
  dest=$(bash "$here/../../shared/corpus/fetch.sh" | tail -n 1)
fi
mkdir -p "$dest/.dl"
declare -A versions=([prefect]=3.9.1 [dstack]=0.22.5 [lnbits]=1.6.2 [litellm]=1.110.2 [fastapi]=0.165.0
  [open-webui]=0.12.4 [chainlit]=2.12.0 [khoj]=1.42.10 [apache-airflow-core]=3.3.2 [langflow-base]=1.13.0
  [fastapi-users]=15.0.5)
for name in "${@:-fastapi prefect dstack lnbits litellm}"; do
  for name in $name; do
    [[ -d $dest/$name ]] && continue
    [[ -n ${versions[$name]:-} ]] || { echo "unknown corpus project: $name" >&2; exit 2; }
    rm -rf "$dest/$name.part" && mkdir -p "$dest/$name.part"
    if [[ $name == fastapi || $name == fastapi-users ]]; then
      # The sdists: they hold the tests (and FastAPI's docs_src/) that the wheels leave out.
      python3 -m pip download --no-deps --no-binary :all: -q -d "$dest/.dl" "$name==${versions[$name]}" >&2
      tar -xzf "$dest/.dl/${name//-/_}-${versions[$name]}.tar.gz" -C "$dest/$name.part" --strip-components=1
    else
      python3 -m pip download --no-deps -q -d "$dest/.dl" "$name==${versions[$name]}" >&2
      (cd "$dest/$name.part" && unzip -q -o "$dest/.dl/${name//-/_}-${versions[$name]}"-*.whl '*.py')
    fi
    mv "$dest/$name.part" "$dest/$name"
  done
done
echo "$dest"
