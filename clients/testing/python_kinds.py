#!/usr/bin/python3
"""The built-in API groups through the official Python client (Debian python3-kubernetes 22.6).

Usage: /usr/bin/python3 clients/testing/python_kinds.py <kubeconfig> <manifest.yaml>

Prints one JSON object with what the client observed, section by section (as python_client.py does);
clients/python.kinds.test.ts runs it and asserts every observation.
"""

import json
import sys
import time
import traceback

import kubernetes
from kubernetes import client, config, dynamic, utils
from kubernetes.client.rest import ApiException

NS = 'default'
OBS = {'clientVersion': kubernetes.__version__}
FAILED = []
WAIT_S = 20


def section(name):
    def wrap(fn):
        try:
            OBS[name] = fn()
        except Exception as e:  # noqa: BLE001 - the report carries it
            FAILED.append(name)
            OBS[name] = {'error': '%s: %s' % (type(e).__name__, e), 'traceback': traceback.format_exc()}
        return fn
    return wrap


def status_of(fn):
    try:
        fn()
    except ApiException as e:
        return e.status
    return 200


def gone(read):
    """Polls read() until it raises 404; bounded, for deletions that wait on finalizers."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if status_of(read) == 404:
            return True
        time.sleep(0.05)
    return False


config.load_kube_config(config_file=sys.argv[1])
api = client.ApiClient()
core = client.CoreV1Api(api)
apps = client.AppsV1Api(api)
batch = client.BatchV1Api(api)
rbac = client.RbacAuthorizationV1Api(api)
apireg = client.ApiregistrationV1Api(api)

LABELS = {'app': 'py-kinds'}


def template(name):
    return client.V1PodTemplateSpec(
        metadata=client.V1ObjectMeta(labels={'app': name}),
        spec=client.V1PodSpec(containers=[client.V1Container(name='c', image='busybox:1.36', command=['sleep', '1'])]))


def crd_cycle(kind, create, read, delete, policy):
    created = create()
    got = read()
    deleted_status = delete(client.V1DeleteOptions(propagation_policy=policy))
    return {'kind': kind, 'created': created.metadata.name, 'uidKept': got.metadata.uid == created.metadata.uid,
            'deleteReply': type(deleted_status).__name__, 'gone': gone(read)}


@section('deployment')
def _deployment():
    d = client.V1Deployment(metadata=client.V1ObjectMeta(name='py-deploy', labels=LABELS),
                            spec=client.V1DeploymentSpec(selector=client.V1LabelSelector(match_labels={'app': 'py-deploy'}),
                                                         template=template('py-deploy')))
    got = apps.create_namespaced_deployment(NS, d)
    out = {'replicas': got.spec.replicas, 'strategy': got.spec.strategy.type,
           'maxSurge': got.spec.strategy.rolling_update.max_surge,
           'revisionHistoryLimit': got.spec.revision_history_limit,
           'progressDeadlineSeconds': got.spec.progress_deadline_seconds,
           'restartPolicy': got.spec.template.spec.restart_policy,
           'pullPolicy': got.spec.template.spec.containers[0].image_pull_policy,
           'generation': got.metadata.generation}
    out['cycle'] = crd_cycle('Deployment', lambda: got, lambda: apps.read_namespaced_deployment('py-deploy', NS),
                             lambda body: apps.delete_namespaced_deployment('py-deploy', NS, body=body), 'Foreground')
    return out


@section('daemonset')
def _daemonset():
    ds = client.V1DaemonSet(metadata=client.V1ObjectMeta(name='py-ds'),
                            spec=client.V1DaemonSetSpec(selector=client.V1LabelSelector(match_labels={'app': 'py-ds'}),
                                                        template=template('py-ds')))
    got = apps.create_namespaced_daemon_set(NS, ds)
    out = {'updateStrategy': got.spec.update_strategy.type,
           'maxUnavailable': got.spec.update_strategy.rolling_update.max_unavailable,
           'statusNumberReady': got.status.number_ready}
    out['cycle'] = crd_cycle('DaemonSet', lambda: got, lambda: apps.read_namespaced_daemon_set('py-ds', NS),
                             lambda body: apps.delete_namespaced_daemon_set('py-ds', NS, body=body), 'Background')
    return out


@section('job')
def _job():
    job = client.V1Job(metadata=client.V1ObjectMeta(name='py-job'),
                       spec=client.V1JobSpec(template=client.V1PodTemplateSpec(
                           spec=client.V1PodSpec(restart_policy='Never',
                                                 containers=[client.V1Container(name='c', image='busybox')]))))
    got = batch.create_namespaced_job(NS, job)
    out = {'backoffLimit': got.spec.backoff_limit, 'completions': got.spec.completions,
           'completionMode': got.spec.completion_mode, 'suspend': got.spec.suspend,
           'selectorMatchesUid': got.spec.selector.match_labels.get('batch.kubernetes.io/controller-uid') == got.metadata.uid,
           'podLabelJobName': got.spec.template.metadata.labels.get('job-name')}
    out['cycle'] = crd_cycle('Job', lambda: got, lambda: batch.read_namespaced_job('py-job', NS),
                             lambda body: batch.delete_namespaced_job('py-job', NS, body=body), 'Background')
    return out


@section('replicationcontroller')
def _rc():
    rc = client.V1ReplicationController(metadata=client.V1ObjectMeta(name='py-rc'),
                                        spec=client.V1ReplicationControllerSpec(template=template('py-rc')))
    got = core.create_namespaced_replication_controller(NS, rc)
    out = {'replicas': got.spec.replicas, 'selector': got.spec.selector, 'labels': got.metadata.labels,
           'statusReplicas': got.status.replicas}
    out['cycle'] = crd_cycle('ReplicationController', lambda: got,
                             lambda: core.read_namespaced_replication_controller('py-rc', NS),
                             lambda body: core.delete_namespaced_replication_controller('py-rc', NS, body=body), 'Orphan')
    return out


@section('role')
def _role():
    role = client.V1Role(metadata=client.V1ObjectMeta(name='py-role'),
                         rules=[client.V1PolicyRule(api_groups=[''], resources=['pods'], verbs=['get', 'list'])])
    got = rbac.create_namespaced_role(NS, role)
    out = {'rules': [r.to_dict() for r in got.rules]}
    out['cycle'] = crd_cycle('Role', lambda: got, lambda: rbac.read_namespaced_role('py-role', NS),
                             lambda body: rbac.delete_namespaced_role('py-role', NS, body=body), 'Background')
    return out


@section('apiservice')
def _apiservice():
    svc = client.V1APIService(metadata=client.V1ObjectMeta(name='v1beta1.metrics.example.com'),
                              spec=client.V1APIServiceSpec(group='metrics.example.com', version='v1beta1',
                                                           group_priority_minimum=100, version_priority=100))
    got = apireg.create_api_service(svc)
    out = {'group': got.spec.group, 'versionPriority': got.spec.version_priority}
    out['cycle'] = crd_cycle('APIService', lambda: got, lambda: apireg.read_api_service('v1beta1.metrics.example.com'),
                             lambda body: apireg.delete_api_service('v1beta1.metrics.example.com', body=body), 'Background')
    return out


@section('service')
def _service():
    svc = client.V1Service(metadata=client.V1ObjectMeta(name='py-svc'),
                           spec=client.V1ServiceSpec(selector={'app': 'py'}, ports=[client.V1ServicePort(port=80)]))
    got = core.create_namespaced_service(NS, svc)
    spec = got.spec
    read = core.read_namespaced_service('py-svc', NS)
    read.metadata.labels = {'replaced': 'yes'}
    replaced = core.replace_namespaced_service('py-svc', NS, read)
    changed = status_of(lambda: core.patch_namespaced_service('py-svc', NS, {'spec': {'clusterIP': '10.96.200.200', 'clusterIPs': ['10.96.200.200']}}))
    deleted = core.delete_namespaced_service('py-svc', NS, body=client.V1DeleteOptions(propagation_policy='Background'))
    return {'type': spec.type, 'clusterIP': spec.cluster_ip, 'clusterIPs': spec.cluster_i_ps,
            'port': spec.ports[0].to_dict(), 'sessionAffinity': spec.session_affinity,
            'ipFamilies': spec.ip_families, 'ipFamilyPolicy': spec.ip_family_policy,
            'internalTrafficPolicy': spec.internal_traffic_policy,
            'status': got.status.to_dict(),
            'replacedKeepsIP': replaced.spec.cluster_ip == spec.cluster_ip,
            'replacedLabels': replaced.metadata.labels,
            'changeIP': changed,
            'deleteReply': deleted.kind if hasattr(deleted, 'kind') else type(deleted).__name__,
            'gone': gone(lambda: core.read_namespaced_service('py-svc', NS))}


@section('createFromYaml')
def _from_yaml():
    created = utils.create_from_yaml(api, sys.argv[2], namespace=NS)
    flat = [o for group in created for o in (group if isinstance(group, list) else [group])]
    return {'kinds': [type(o).__name__ for o in flat],
            'deployment': apps.read_namespaced_deployment('yaml-web', NS).spec.replicas,
            'service': core.read_namespaced_service('yaml-web', NS).spec.ports[0].target_port,
            'configmap': core.read_namespaced_config_map('yaml-cfg', NS).data}


@section('partialMetadata')
def _partial():
    dyn = dynamic.DynamicClient(api)
    cms = dyn.resources.get(api_version='v1', kind='ConfigMap')
    got = cms.get(namespace=NS, header_params={'Accept': 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'})
    return {'kind': got.kind, 'apiVersion': got.apiVersion,
            'itemKinds': sorted(set(i.kind for i in got.items)),
            'names': sorted(i.metadata.name for i in got.items),
            'itemsHaveData': any(i.get('data') is not None for i in got.items)}


OBS['failed'] = FAILED
print(json.dumps(OBS, sort_keys=True, default=str))
sys.exit(1 if FAILED else 0)
