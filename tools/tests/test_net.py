"""The ports tests and the bench start servers on: never one an outgoing connection can take
meanwhile, never one handed out twice, never one two workers of a run share."""
import os
import socket
import subprocess
import sys

from vod_devtools import net


def test_ports_are_below_the_kernels_ephemeral_range_and_never_repeat():
    low = net.ephemeral_low()
    ports = [net.free_port() for _ in range(300)]

    assert len(set(ports)) == len(ports)
    assert all(port < low for port in ports), (low, max(ports))


def test_a_port_something_listens_on_is_skipped():
    taken = net.free_port()
    while not net.bindable(taken + 1):  # a free neighbour (ours, below the kernel's range)
        taken = net.free_port()
    with socket.socket() as held:
        held.bind(("127.0.0.1", taken))
        held.listen()
        ports = net.Ports(taken, taken + 2, first=taken)

        assert ports.take() == taken + 1
        assert ports.take() is None  # the slice is used up: free_port then asks the kernel


def test_each_xdist_worker_has_its_own_ports():
    low = net.ephemeral_low()
    workers = (None, *(f"gw{n}" for n in range(15)))
    slices = [net.worker_slice(worker, low) for worker in workers]

    assert all(end <= low for _, end in slices)
    for i, (start, end) in enumerate(slices):
        for other_start, other_end in slices[i + 1:]:
            assert end <= other_start or other_end <= start
    assert net.worker_slice("gw15", low) is None  # beyond the slices: the kernel chooses
    assert net.worker_slice("gw0", 10100) is None  # no room below that range: the kernel chooses


def test_two_workers_started_together_hand_out_different_ports():
    script = "from vod_devtools.net import free_port; print(*[free_port() for _ in range(200)])"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    outputs = [subprocess.Popen([sys.executable, "-c", script], env={**env, "PYTEST_XDIST_WORKER": worker},
                                stdout=subprocess.PIPE, text=True) for worker in ("gw0", "gw1")]
    first, second = (set(map(int, p.communicate(timeout=60)[0].split())) for p in outputs)

    assert len(first) == len(second) == 200
    assert not first & second

