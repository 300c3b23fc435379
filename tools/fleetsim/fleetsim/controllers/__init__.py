"""What kube-controller-manager (and kube-scheduler) run for a simulated cluster.

    manager = await start_controllers(cluster)   # cluster: .api, .clock, .store, .name
    ...
    manager.stop()

One Api subscription feeds every controller's work queue; nothing polls.
"""
from __future__ import annotations

import logging

from .base import FIELD_MANAGER, Controller, ManagedApi
from .daemonset import DaemonSetController
from .cronjob import CronJobController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .events import EventRecorder
from .garbage_collector import GarbageCollector
from .job import JobController
from .namespace import NamespaceController
from .nodelifecycle import NodeLifecycleController
from .persistentvolume import PersistentVolumeBinder
from .replicaset import ReplicaSetController, ReplicationControllerManager
from .scheduler import Scheduler
from .service_lb import ServiceLoadBalancerController
from .serviceaccounts import ServiceAccountsController
from .statefulset import StatefulSetController

log = logging.getLogger("fleetsim.controllers")

CONTROLLERS = (NamespaceController, GarbageCollector, ServiceAccountsController, Scheduler, ReplicaSetController,
               DeploymentController, DaemonSetController, EndpointsController, EndpointSliceController,
               ServiceLoadBalancerController, DisruptionController, NodeLifecycleController,
               StatefulSetController, JobController, CronJobController, ReplicationControllerManager,
               PersistentVolumeBinder)


class ControllerManager:
    def __init__(self, cluster, controllers=CONTROLLERS):
        self.cluster = cluster
        self.recorder = EventRecorder(ManagedApi(cluster.api, FIELD_MANAGER), cluster.clock)
        self.controllers: list[Controller] = [cls(cluster, self.recorder) for cls in controllers]
        self._unsubscribe = None

    def start(self) -> None:
        self._unsubscribe = self.cluster.api.subscribe(self._dispatch)
        for c in self.controllers:
            c.start()

    def _dispatch(self, event_type, rt, obj, old) -> None:
        resource = getattr(rt, "name", rt)
        if resource == "events":
            return  # no controller here watches events; skip the fan-out
        for c in self.controllers:
            try:
                c.on_change(event_type, resource, obj, old)
            except Exception:  # never let a controller break the writer's commit
                log.warning("%s: handling %s %s failed", c.name, event_type, resource, exc_info=True)

    def get(self, name: str) -> Controller:
        for c in self.controllers:
            if c.name == name:
                return c
        raise KeyError(name)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for c in self.controllers:
            c.stop()


async def start_controllers(cluster) -> ControllerManager:
    """Start the controllers of one cluster on the running loop; returns the handle (`.stop()`)."""
    manager = ControllerManager(cluster)
    manager.start()
    return manager


__all__ = ["ControllerManager", "start_controllers", "CONTROLLERS"]
