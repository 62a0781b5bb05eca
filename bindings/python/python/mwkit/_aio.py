"""The coroutines behind :class:`mwkit.AsyncSession`'s methods.

A method converts its arguments and checks them at once, by the engine's
own checks of the call (a wrong type raises ``TypeError``, invalid input
``InvalidInputError``, from the method itself: no coroutine is made and
nothing is sent), and returns ``run(call)``. Awaited, it
starts the call on mwkit's tokio runtime, waits for it on the running loop
without blocking it (the runtime hands the finished call over with
``call_soon_threadsafe``), and converts the answer here, in the awaiting
task: exceptions are raised and a read's warnings issued where the call
was awaited. Cancelling the task cancels the future, which aborts the
call's task: the call is dropped, and the session abandons it.
"""

import asyncio
from typing import Any, TypeVar

T = TypeVar("T")


async def run(call: Any) -> Any:
    return (await call.start()).result()


def set_result(future: "asyncio.Future[Any]", result: Any) -> None:
    """Called on the future's loop when its call has finished."""
    if not future.done():  # not cancelled meanwhile
        future.set_result(result)


async def ready(value: T) -> T:
    return value
