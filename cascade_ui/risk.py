"""The Risk page's Streamlit parts: the Dask client, made once per server and shared by
every session (st.cache_resource), and the session's last few results. The words, the knob
values and the request are cascade_view/risk.py."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from cascade.ensemble import connect, local_cluster_client
from cascade_view.risk import CONNECT_TIMEOUT, RESULTS_KEPT, Request


@dataclass(frozen=True)
class Cluster:
    """Holds a dask Client: st.cache_resource refuses to cache an awaitable such as the
    Client itself."""
    client: object


@st.cache_resource(show_spinner="Starting the Dask cluster...", max_entries=2,
                   validate=lambda cluster: cluster.client.status == "running")
def _cluster(address: str | None) -> Cluster:
    return Cluster(connect(address, timeout=CONNECT_TIMEOUT) if address
                   else local_cluster_client())


def client(address: str | None):
    """A Client on `address`, or on a LocalCluster of one worker per core if None; made
    once per server and address, and again if it has stopped running. Raises
    ConnectionError (one line) when the scheduler cannot be reached."""
    return _cluster(address).client


def stored(request: Request) -> pd.DataFrame | None:
    return st.session_state.get("risk_results", {}).get(request.key())


def store(request: Request, frame: pd.DataFrame) -> None:
    results = st.session_state.setdefault("risk_results", {})
    results[request.key()] = frame
    while len(results) > RESULTS_KEPT:
        results.pop(next(iter(results)))
