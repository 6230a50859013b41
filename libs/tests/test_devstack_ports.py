"""The local servers wait for a fixed port that another socket still holds, instead of dying on it."""

import socket
import threading
import time

import pytest

from medins.devstack import bindable, free_port, wait_bindable


def test_a_port_held_by_another_socket_is_not_bindable_until_it_is_let_go():
    port = free_port()
    assert bindable(port)
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", port))
    holder.listen()
    try:
        assert not bindable(port)
        with pytest.raises(RuntimeError, match=f"distribution port {port} is in use"):
            wait_bindable(port, timeout=0.6, what="distribution port")
        threading.Timer(0.7, holder.close).start()  # let go while the server waits
        started = time.monotonic()
        wait_bindable(port, timeout=10, what="distribution port")
        assert 0.5 < time.monotonic() - started < 5
    finally:
        holder.close()
    assert bindable(port)
