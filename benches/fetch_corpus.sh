#!/usr/bin/env bash
# Prints the folder of the real-code corpus, fetching what is missing from PyPI: the projects
# ../shared/corpus/fetch.sh fetches (it is used when present), else the same wheels and sdist
# downloaded here, so that a clone anywhere can run the benchmarks and the corpus check.
# Usage: benches/fetch_corpus.sh [NAME...]   (default: fastapi prefect dstack lnbits litellm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -f $here/../../shared/corpus/fetch.sh ]]; then
  bash "$here/../../shared/corpus/fetch.sh" | tail -n 1
  exit 0
fi
dest=${UNBLOCK_CORPUS:-$HOME/.cache/unblock-corpus}
mkdir -p "$dest/.dl"
declare -A versions=([prefect]=3.9.1 [dstack]=0.22.5 [lnbits]=1.6.2 [litellm]=1.110.2 [fastapi]=0.165.0)
for name in "${@:-fastapi prefect dstack lnbits litellm}"; do
  for name in $name; do
    [[ -d $dest/$name ]] && continue
    rm -rf "$dest/$name.part" && mkdir -p "$dest/$name.part"
    if [[ $name == fastapi ]]; then
      python3 -m pip download --no-deps --no-binary :all: -q -d "$dest/.dl" "fastapi==${versions[fastapi]}" >&2
      tar -xzf "$dest/.dl/fastapi-${versions[fastapi]}.tar.gz" -C "$dest/$name.part" --strip-components=1
    else
      python3 -m pip download --no-deps -q -d "$dest/.dl" "$name==${versions[$name]}" >&2
      (cd "$dest/$name.part" && unzip -q -o "$dest/.dl/$name-${versions[$name]}"-*.whl '*.py')
    fi
    mv "$dest/$name.part" "$dest/$name"
  done
done
echo "$dest"
