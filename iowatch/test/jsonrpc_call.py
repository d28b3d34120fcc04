#!/usr/bin/env python3
#  SPDX-License-Identifier: BSD-3-Clause
#  Copyright (C) 2026 the learning-site project authors.
#  All rights reserved.

"""Send one raw JSON-RPC request to an SPDK app and print the reply.

Used by functional.sh for malformed requests that rpc.py's argument parser
would refuse to build (missing or mistyped parameters).

usage: jsonrpc_call.py SOCKET METHOD [PARAMS_JSON]
exit: 0 with the result on stdout, 1 with the error object on stdout,
      2 on a transport problem or timeout.
"""

import json
import socket
import sys

TIMEOUT_S = 20


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    path, method = sys.argv[1], sys.argv[2]
    request = {'jsonrpc': '2.0', 'id': 1, 'method': method}
    if len(sys.argv) == 4:
        request['params'] = json.loads(sys.argv[3])

    decoder = json.JSONDecoder()
    buf = ''
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT_S)
            sock.connect(path)
            sock.sendall(json.dumps(request).encode())
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk.decode()
                try:
                    decoder.raw_decode(buf.lstrip())
                    break
                except ValueError:
                    continue
    except (OSError, socket.timeout) as err:
        print(f'jsonrpc_call: {err}', file=sys.stderr)
        return 2
    if not buf:
        print('jsonrpc_call: connection closed without a reply', file=sys.stderr)
        return 2
    reply, _ = decoder.raw_decode(buf.lstrip())
    if 'error' in reply:
        print(json.dumps(reply['error']))
        return 1
    print(json.dumps(reply.get('result')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
