"""A Sanic hello-world JSON route in one process: the floor every request is compared with.

python -m bench.hello   (listens on CONFETTI_PORT)
"""

import os

from sanic import Sanic, json

app = Sanic("bench_hello", configure_logging=False)


@app.get("/")
async def hello(_request) -> object:
    return json({"hello": "world"})


if __name__ == "__main__":
    app.run(
        host="127.0.0.1",
        port=int(os.environ["CONFETTI_PORT"]),
        single_process=True,
        access_log=False,
        motd=False,
    )
