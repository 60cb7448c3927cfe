# Helpers shared by bench/documents_search.sh and bench/documents_search_ab.sh (sourced; they set
# $port, $API_KEY and the server's $pid).

search() {  # search <query>: the JSON of one search
  curl -s -H "X-API-Key: $API_KEY" "http://127.0.0.1:$port/v1/documents/search?limit=10&q=$1"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
wait_for() {  # wait_for <field> <prefix> <seconds>
  local i
  for i in $(seq "$3"); do
    [[ "$(search fluid | field "$1")" == "$2"* ]] && return 0
    sleep 1
  done
  echo "timed out waiting for $1=$2*" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }  # the server's user+system ticks
