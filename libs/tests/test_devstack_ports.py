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


def test_a_connection_that_just_ended_still_holds_its_port():
    """What stopped make run right after a test run: a client's connection from make run's fixed port (in the
    range of ephemeral ports) ends in TIME_WAIT, and a server cannot listen on that port for a minute."""
    server = socket.create_server(("127.0.0.1", 0))
    port = free_port()
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.bind(("127.0.0.1", port))
    client.connect(server.getsockname())
    accepted, _ = server.accept()
    client.close()  # the side that closes first keeps TIME_WAIT
    accepted.close()
    server.close()
    assert not bindable(port, "127.0.0.1")
