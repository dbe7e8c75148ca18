"""moto_server with DynamoDB requests handled one at a time.

DynamoDB isolates transactions and conditional writes from each other; moto's threaded server
does not (two concurrent TransactWriteItems can both pass a condition on the same item). Holding
a lock around DynamoDB requests restores the isolation the ledger relies on, so concurrency tests
test the ledger, not moto. Other services (SQS long polls) stay concurrent.

Usage: python3 moto-serialized-server.py -H 127.0.0.1 -p 5000
"""

import argparse
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    app = DomainDispatcherApplication(create_backend_app)
    dynamodb_lock = threading.Lock()

    def serialised(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with dynamodb_lock:
                # Produce the whole body inside the lock: WSGI bodies may be lazy.
                return list(app(environ, start_response))
        return app(environ, start_response)

    run_simple(args.host, args.port, serialised, threaded=True)


if __name__ == "__main__":
    main()
