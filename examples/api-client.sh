#!/bin/sh
# A small client of wechat-oa-server's /api, as another service would use it:
# plain curl, ADMIN_TOKEN as a Bearer token, JSON in and out.
#
#   WECHAT_SERVER=https://wechat.internal.example.com ADMIN_TOKEN=… \
#     sh examples/api-client.sh OPENID TEMPLATE_ID [IMAGE_FILE]
#
# It reads a user, sends them a template message and a customer-service text,
# and uploads an image when one is given. Any failure prints the server's JSON
# (which names the field that is wrong) and stops.
set -eu

: "${WECHAT_SERVER:=http://127.0.0.1:8080}"
: "${ADMIN_TOKEN:?set ADMIN_TOKEN to the server's ADMIN_TOKEN}"
openid=${1:?usage: $0 OPENID TEMPLATE_ID [IMAGE_FILE]}
template_id=${2:?usage: $0 OPENID TEMPLATE_ID [IMAGE_FILE]}
image=${3:-}

# api METHOD PATH [curl arguments…]: prints the JSON answer; exits 1 on a 4xx/5xx.
api() {
  method=$1 path=$2
  shift 2
  answer=$(curl -sS -X "$method" -H "Authorization: Bearer $ADMIN_TOKEN" -w '\n%{http_code}' "$@" "$WECHAT_SERVER/api$path")
  status=$(printf '%s\n' "$answer" | tail -n 1)
  body=$(printf '%s\n' "$answer" | sed '$d')
  case $status in
    2??) printf '%s\n' "$body" ;;
    *) printf 'HTTP %s from %s %s: %s\n' "$status" "$method" "$path" "$body" >&2; exit 1 ;;
  esac
}

echo "== the user"
api GET "/users/$openid"

echo "== a template message (keys must be the template's own placeholders)"
api POST /messages/template -H 'Content-Type: application/json' --data @- <<JSON
{
  "touser": "$openid",
  "template_id": "$template_id",
  "data": { "thing1": "智能手表", "character_string2": "SF1234567890", "time3": "2024年5月1日 10:00" },
  "url": "https://shop.example.com/orders/42"
}
JSON

echo "== a customer-service text (within 48 hours of the user's last message)"
api POST /messages/custom -H 'Content-Type: application/json' \
  --data "{\"touser\":\"$openid\",\"reply\":{\"type\":\"text\",\"content\":\"您的订单已发货\"}}"

if [ -n "$image" ]; then
  echo "== an image, then sent to the user"
  media_id=$(api POST '/media?type=image' -F "media=@$image" | sed -n 's/.*"media_id":"\([^"]*\)".*/\1/p')
  echo "media_id: $media_id"
  api POST /messages/custom -H 'Content-Type: application/json' \
    --data "{\"touser\":\"$openid\",\"reply\":{\"type\":\"image\",\"mediaId\":\"$media_id\"}}"
fi
