"""A check run in a forked child process, so that nothing the learner's function does can reach the notebook.

``core.run_check`` (and so ``check.em_estep(fn)`` in a notebook) runs the cases in a child made
with ``os.fork``, which starts at once with everything the notebook defined: the learner's function,
the helpers it calls, the checker's cached cases. The child tells the parent, through a pipe,
when each call of the learner's function starts and ends (``Timed``), forwards what the function
prints, and sends the result at the end. The parent keeps the time limit on the learner's calls
only, and ends the child with SIGKILL when it is spent: no ``except:`` in the learner's loop can
swallow that. A ``sys.exit`` or ``os._exit`` in the learner's code ends the child only; the parent
says so (``Outcome``), and the kernel goes on.

Where ``os.fork`` does not exist (Windows), ``available()`` is False and ``core`` runs the check
in the process itself, with a timer signal (``run_with_alarm``), as the folder's worker does (it
is a subprocess already, which ``folder`` ends when it runs too long).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing import Pipe
from typing import Callable, NamedTuple

__all__ = ["Outcome", "Timed", "available", "run_forked", "TimeUp", "Alarm", "run_with_alarm"]


def available() -> bool:
    """True where the check can run in a forked child (Unix)."""
    return hasattr(os, "fork")


class Timed:
    """The child's side: marks each call of the learner's function (``with timed:``) for the parent's clock.

    Attributes
    ----------
    case : str
        The case being run (set by the caller before each call): named when the call ends the process.
    done : int
        The course's cases that agreed so far (set by the caller): the timeout verdict's count.
    """

    def __init__(self, send):
        self.send, self.case, self.done = send, "", 0

    def __enter__(self):
        self.send(("enter", self.case, self.done))

    def __exit__(self, *exc):
        self.send(("leave",))
        return False


class _Forward:
    """A text stream that sends what is written to the parent (the learner's ``print``)."""

    def __init__(self, send, which: str):
        self.send, self.which = send, which

    def write(self, text) -> int:
        if text:
            self.send(("print", self.which, str(text)))
        return len(text)

    def flush(self):
        pass

    def isatty(self) -> bool:
        return False


class Outcome(NamedTuple):
    """How the child ended.

    Attributes
    ----------
    status : {"done", "timeout", "exited"}
        "done": it sent ``result``; "timeout": the learner's calls took longer than the limit, and
        it was ended; "exited": it ended without a result (``os._exit``, a signal, a crash).
    result : object
        What ``work`` returned ("done" only).
    case : str
        The case whose call was running last.
    done : int
        The course's cases that had agreed by then.
    how : str
        For "exited": "exit status N" or "signal NAME".
    """

    status: str
    result: object = None
    case: str = ""
    done: int = 0
    how: str = ""


def _child(work: Callable[[Timed], object], send_end) -> None:
    """In the child: run ``work`` with its output forwarded, send its result, and end without cleanup."""
    code = 0
    try:
        send = send_end.send
        sys.stdout, sys.stderr = _Forward(send, "stdout"), _Forward(send, "stderr")
        sys.stdin = open(os.devnull)  # noqa: SIM115 -- a learner's input() must not wait on the kernel
        send(("result", work(Timed(send))))
    except BaseException:  # our own failure (the learner's is a verdict): say it on the real stderr
        code = 70
        traceback.print_exc(file=sys.__stderr__)
    finally:
        os._exit(code)  # never run the notebook's atexit hooks or flush its streams from here


def run_forked(work: Callable[[Timed], object], timeout: float | None) -> Outcome:
    """Run ``work(timed)`` in a forked child; end it when the time spent inside ``timed`` exceeds ``timeout``.

    Parameters
    ----------
    work : callable
        Called in the child with a ``Timed``; returns something picklable.
    timeout : float or None
        Seconds the calls marked with ``timed`` may take in all (checked by the caller); None: no limit.

    Returns
    -------
    Outcome
    """
    recv_end, send_end = Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # what is buffered is printed once, by the parent
        stream.flush()
    pid = os.fork()
    if pid == 0:
        recv_end.close()
        _child(work, send_end)
    send_end.close()
    spent, started, case, done, status = 0.0, None, "", 0, None
    try:
        while True:
            if timeout is None or started is None:
                wait = None
            else:
                wait = max(timeout - spent - (time.monotonic() - started), 0.0)
            if not recv_end.poll(wait):  # the learner's call is still running, and the time is spent
                return Outcome("timeout", case=case, done=done)
            try:
                message = recv_end.recv()
            except EOFError:  # the child ended without a result
                _, status = os.waitpid(pid, 0)
                return Outcome("exited", case=case, done=done, how=_how(status))
            kind = message[0]
            if kind == "enter":
                _, case, done = message
                started = time.monotonic()
            elif kind == "leave":
                spent += time.monotonic() - started
                started = None
            elif kind == "print":
                (sys.stdout if message[1] == "stdout" else sys.stderr).write(message[2])
            else:
                return Outcome("done", message[1], case, done)
    finally:  # on any way out (a KeyboardInterrupt in the notebook too): no child is left behind
        recv_end.close()
        if status is None:  # not reaped yet: it is still ours to end
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _how(status: int) -> str:
    """How a child ended, from its wait status: "exit status N" or "signal NAME"."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"signal {signal.Signals(number).name}"
        except ValueError:
            return f"signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}"


class TimeUp(BaseException):
    """Raised by the alarm inside the learner's function; a BaseException, so that a learner's
    ``except Exception`` around a loop cannot swallow it."""


class Alarm:
    """The time the learner's calls may still take, kept by a timer signal while one runs (``with alarm:``).

    The timer repeats every 0.1 s once it has fired, so an alarm swallowed by a bare ``except:``
    comes back (a loop that swallows every one is stopped only in a child: ``run_forked``); it runs
    only inside the learner's function, never in our reference or diagnosis.
    """

    def __init__(self, seconds: float):
        self.seconds, self.left, self.active, self.start = seconds, seconds, False, 0.0
        self.case, self.done = "", 0  # as Timed's; not needed here

    def alarm(self, signum, frame):
        if self.active:
            raise TimeUp

    def __enter__(self):
        self.start, self.active = time.monotonic(), True
        signal.setitimer(signal.ITIMER_REAL, max(self.left, 1e-3), 0.1)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.active = False
        self.left -= time.monotonic() - self.start
        return False


def run_with_alarm(work: Callable[[Alarm | None], object], timeout: float | None):
    """``work(alarm)`` in this process, with an ``Alarm`` of ``timeout`` seconds where a timer signal can keep it.

    Only in the main thread of a Unix process and when no other timer is set (pytest-timeout, the
    learner's own ``signal.alarm``: left alone); elsewhere, or with ``timeout`` None, ``work(None)``.
    """
    if (timeout is None or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        return work(None)
    alarm = Alarm(timeout)
    previous = signal.signal(signal.SIGALRM, alarm.alarm)
    try:
        return work(alarm)
    finally:  # the timer itself is off: Alarm stops it whenever the learner's call ends
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
