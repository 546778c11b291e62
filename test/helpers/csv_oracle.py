# The oracle of the differential tests: Python's csv module reads a batch of inputs (JSON on
# stdin: {"escape": '"' or '\\', "inputs": [base64, ...]}) and prints their records as JSON,
# blank lines left out (the engine skips them). RFC 4180 is doublequote=True; the backslash
# dialect is escapechar='\\', doublequote=False.
import base64, csv, io, json, sys

req = json.load(sys.stdin)
kw = dict(escapechar='\\', doublequote=False) if req['escape'] == '\\' else dict(doublequote=True)
out = []
for b in req['inputs']:
    text = base64.b64decode(b).decode('utf-8-sig')
    out.append([r for r in csv.reader(io.StringIO(text, newline=''), **kw) if r])
json.dump(out, sys.stdout)
