#!/usr/bin/python3
"""Drives a racelab API server with the official Python client (Debian python3-kubernetes 22.6).

Usage: /usr/bin/python3 clients/testing/python_client.py <kubeconfig>

Prints one JSON object with what the client observed, section by section. A section that raises
records {"error": "..."} instead of its observations and the script exits 1; it exits 0 otherwise.
clients/python.test.ts runs it and asserts every observation.
"""

import json
import os
import sys
import threading
import time
import traceback

import kubernetes
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

NS = 'default'
OBS = {'clientVersion': kubernetes.__version__}
FAILED = []


def section(name):
    """Runs fn and stores its result (or the error) under OBS[name]."""
    def wrap(fn):
        try:
            OBS[name] = fn()
        except Exception as e:  # noqa: BLE001 - the report carries it
            FAILED.append(name)
            OBS[name] = {'error': '%s: %s' % (type(e).__name__, e), 'traceback': traceback.format_exc()}
        return fn
    return wrap


def api_error(fn):
    """Calls fn, expecting an ApiException; returns its status, reason and message."""
    try:
        fn()
    except ApiException as e:
        body = json.loads(e.body) if e.body else {}
        return {'status': e.status, 'reason': body.get('reason'), 'message': body.get('message'),
                'details': body.get('details')}
    return {'status': None, 'reason': 'no error raised'}


def cm(name, labels, data):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


config.load_kube_config(config_file=sys.argv[1])
api = client.ApiClient()
core = client.CoreV1Api(api)


@section('version')
def _version():
    v = client.VersionApi(api).get_code()
    return {'major': v.major, 'minor': v.minor, 'gitVersion': v.git_version, 'platform': v.platform}


@section('create')
def _create():
    out = []
    for name, labels, data in [
        ('py-a', {'app': 'py', 'tier': 'web'}, {'k': '1'}),
        ('py-b', {'app': 'py', 'tier': 'db'}, {'k': 'b'}),
        ('py-c', {'app': 'other'}, {'k': 'c'}),
    ]:
        got = core.create_namespaced_config_map(NS, cm(name, labels, data))
        out.append({'name': got.metadata.name, 'namespace': got.metadata.namespace, 'labels': got.metadata.labels,
                    'data': got.data, 'hasUid': bool(got.metadata.uid),
                    'rvIsDigits': (got.metadata.resource_version or '').isdigit(),
                    'hasCreationTimestamp': got.metadata.creation_timestamp is not None})
    dup = api_error(lambda: core.create_namespaced_config_map(NS, cm('py-a', None, {'x': 'y'})))
    return {'created': out, 'duplicate': dup}


@section('list')
def _list():
    py = core.list_namespaced_config_map(NS, label_selector='app=py')
    web = core.list_namespaced_config_map(NS, label_selector='app=py,tier!=db')
    notin = core.list_namespaced_config_map(NS, label_selector='app in (py,other),tier notin (web)')
    return {'appPy': sorted(i.metadata.name for i in py.items),
            'appPyNotDb': sorted(i.metadata.name for i in web.items),
            'inNotin': sorted(i.metadata.name for i in notin.items),
            'listRvIsDigits': (py.metadata.resource_version or '').isdigit(),
            'itemType': type(py.items[0]).__name__ if py.items else None}


@section('read')
def _read():
    got = core.read_namespaced_config_map('py-a', NS)
    missing = api_error(lambda: core.read_namespaced_config_map('py-missing', NS))
    return {'type': type(got).__name__, 'name': got.metadata.name, 'data': got.data, 'labels': got.metadata.labels,
            'missing': missing}


@section('patch')
def _patch():
    # dict body: the client sends application/strategic-merge-patch+json (rest.py rewrites the first
    # listed type, json-patch, when the body is not a list).
    smp = core.patch_namespaced_config_map('py-a', NS, {'metadata': {'labels': {'patched': 'smp'}}, 'data': {'s': 'smp'}})
    # list body: application/json-patch+json.
    jp = core.patch_namespaced_config_map('py-a', NS, [
        {'op': 'replace', 'path': '/data/k', 'value': '2'},
        {'op': 'add', 'path': '/data/j', 'value': 'jp'},
        {'op': 'remove', 'path': '/metadata/labels/tier'},
    ])
    # 22.6 has no _content_type keyword (it came with a later release) ...
    try:
        core.patch_namespaced_config_map('py-a', NS, {'data': {}}, _content_type='application/merge-patch+json')
        content_type_kw = 'accepted'
    except client.exceptions.ApiTypeError as e:
        content_type_kw = 'ApiTypeError: %s' % e
    # ... so a JSON merge patch goes through an ApiClient whose default Content-Type header wins
    # (ApiClient.__call_api applies default_headers after the operation's own headers).
    merge_api = client.ApiClient()
    merge_api.set_default_header('Content-Type', 'application/merge-patch+json')
    mp = client.CoreV1Api(merge_api).patch_namespaced_config_map('py-a', NS, {'data': {'s': None, 'm': 'mp'},
                                                                            'metadata': {'labels': {'patched': 'mp'}}})
    bad_jp = api_error(lambda: core.patch_namespaced_config_map('py-a', NS, [
        {'op': 'test', 'path': '/data/k', 'value': 'not-2'}]))
    return {'strategic': {'data': smp.data, 'labels': smp.metadata.labels},
            'json': {'data': jp.data, 'labels': jp.metadata.labels},
            'contentTypeKeyword': content_type_kw,
            'merge': {'data': mp.data, 'labels': mp.metadata.labels},
            'failedTest': {'status': bad_jp['status'], 'reason': bad_jp['reason']}}


@section('replace')
def _replace():
    got = core.read_namespaced_config_map('py-a', NS)
    read_rv = got.metadata.resource_version
    got.data = {'replaced': 'yes'}
    put = core.replace_namespaced_config_map('py-a', NS, got)
    stale = cm('py-a', None, {'stale': 'yes'})
    stale.metadata.resource_version = read_rv
    conflict = api_error(lambda: core.replace_namespaced_config_map('py-a', NS, stale))
    return {'data': put.data, 'sentRvMatchesRead': got.metadata.resource_version == read_rv,
            'rvChanged': put.metadata.resource_version != read_rv,
            'rvIncreased': int(put.metadata.resource_version) > int(read_rv),
            'uidKept': put.metadata.uid == got.metadata.uid,
            'conflict': conflict}


@section('delete')
def _delete():
    st = core.delete_namespaced_config_map('py-b', NS)
    gone = api_error(lambda: core.read_namespaced_config_map('py-b', NS))
    again = api_error(lambda: core.delete_namespaced_config_map('py-b', NS))
    left = core.list_namespaced_config_map(NS, label_selector='app in (py,other)')
    return {'type': type(st).__name__, 'status': st.status, 'detailsName': st.details.name if st.details else None,
            'detailsKind': st.details.kind if st.details else None,
            'readAfter': {'status': gone['status'], 'reason': gone['reason'], 'message': gone['message']},
            'deleteAgain': {'status': again['status'], 'reason': again['reason']},
            'left': sorted(i.metadata.name for i in left.items)}


@section('pod')
def _pod():
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name='py-pod', labels={'app': 'py'}),
        spec=client.V1PodSpec(containers=[
            client.V1Container(name='app', image='nginx:1.27',
                               env=[client.V1EnvVar(name='A', value='1'), client.V1EnvVar(name='B', value='2')]),
            client.V1Container(name='sidecar', image='busybox:1.36', command=['sleep', 'infinity']),
        ]))
    created = core.create_namespaced_pod(NS, pod)
    listed = core.list_namespaced_pod(NS, label_selector='app=py')
    # Strategic merge: containers merge by name, so the sidecar survives a patch that names only 'app'
    # (a JSON merge patch would replace the list). Only images may change on a pod.
    smp = core.patch_namespaced_pod('py-pod', NS, {'spec': {'containers': [{'name': 'app', 'image': 'nginx:1.28'}]}})
    # Any other spec change is forbidden for pods (upstream ValidatePodUpdate), env included.
    env = api_error(lambda: core.patch_namespaced_pod('py-pod', NS, {'spec': {'containers': [
        {'name': 'app', 'env': [{'name': 'A', 'value': 'changed'}]}]}}))
    got = core.read_namespaced_pod('py-pod', NS)
    deleted = core.delete_namespaced_pod('py-pod', NS, grace_period_seconds=0)
    gone = api_error(lambda: core.read_namespaced_pod('py-pod', NS))

    def containers(p):
        return [{'name': c.name, 'image': c.image, 'env': [[e.name, e.value] for e in (c.env or [])]}
                for c in p.spec.containers]

    return {'created': {'name': created.metadata.name, 'containers': containers(created)},
            'listed': [p.metadata.name for p in listed.items],
            'strategic': containers(smp),
            'envChange': {'status': env['status'], 'reason': env['reason'],
                          'causes': [[c.get('reason'), c.get('field')] for c in (env['details'] or {}).get('causes', [])],
                          'forbidden': 'pod updates may not change fields other than' in (env['message'] or '')},
            'readBack': containers(got),
            'deleteType': type(deleted).__name__,
            'deletedName': deleted.metadata.name if hasattr(deleted, 'metadata') and deleted.metadata else None,
            'readAfter': {'status': gone['status'], 'reason': gone['reason'], 'message': gone['message']}}


def watch_events(rv, timeout_seconds, make_changes=None):
    """Watches configmaps labelled app=watch from rv until DELETED (or the server's timeout)."""
    w = watch.Watch()
    events = []
    started = time.monotonic()
    worker = None
    if make_changes is not None:
        worker = threading.Thread(target=make_changes)
        worker.start()
    try:
        for ev in w.stream(core.list_namespaced_config_map, NS, label_selector='app=watch',
                           resource_version=rv, timeout_seconds=timeout_seconds):
            obj = ev['object']
            events.append({'type': ev['type'], 'objectType': type(obj).__name__, 'name': obj.metadata.name,
                           'data': obj.data, 'rvIsDigits': (obj.metadata.resource_version or '').isdigit(),
                           'rawKind': ev['raw_object'].get('kind')})
            if ev['type'] == 'DELETED':
                w.stop()
    finally:
        if worker is not None:
            worker.join()
    return events, time.monotonic() - started


WATCH_RV = {}


@section('watch')
def _watch():
    rv = core.list_namespaced_config_map(NS, label_selector='app=watch').metadata.resource_version
    WATCH_RV['rv'] = rv

    def changes():
        time.sleep(0.3)  # let the watch connect first; the replay from rv covers it if it has not
        core.create_namespaced_config_map(NS, cm('py-w', {'app': 'watch'}, {'v': '1'}))
        core.patch_namespaced_config_map('py-w', NS, {'data': {'v': '2'}})
        core.delete_namespaced_config_map('py-w', NS)

    live, live_secs = watch_events(rv, 10, changes)
    # The same changes, replayed from the same resourceVersion after they happened.
    replay, replay_secs = watch_events(rv, 5)
    return {'live': live, 'liveEndedBeforeTimeout': live_secs < 9,
            'replay': replay, 'replayEndedBeforeTimeout': replay_secs < 4}


@section('watchTimeout')
def _watch_timeout():
    # No matching changes: the stream must end by itself after timeoutSeconds (and not much later).
    started = time.monotonic()
    events = list(watch.Watch().stream(core.list_namespaced_config_map, NS, label_selector='app=nothing',
                                       resource_version=WATCH_RV.get('rv'), timeout_seconds=1))
    secs = time.monotonic() - started
    return {'events': len(events), 'endedWithinFiveSeconds': secs < 5, 'tookAtLeastHalfASecond': secs >= 0.5}


@section('dynamic')
def _dynamic():
    # Beside the kubeconfig (the test's temporary directory), not the shared default under /tmp.
    cache = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), 'discovery-cache.json')
    dyn = dynamic.DynamicClient(api, cache_file=cache)
    res = dyn.resources.get(api_version='cluster.x-k8s.io/v1beta1', kind='Cluster')
    cm_res = dyn.resources.get(api_version='v1', kind='ConfigMap')
    body = {'apiVersion': 'cluster.x-k8s.io/v1beta1', 'kind': 'Cluster',
            'metadata': {'name': 'py-cluster', 'labels': {'app': 'py'}},
            'spec': {'clusterNetwork': {'pods': {'cidrBlocks': ['192.168.0.0/16']}},
                     'controlPlaneEndpoint': {'host': '10.0.0.1', 'port': 6443}}}
    created = dyn.create(res, body=body, namespace=NS)
    listed = dyn.get(res, namespace=NS)
    by_label = dyn.get(res, namespace=NS, label_selector='app=py')
    got = dyn.get(res, name='py-cluster', namespace=NS)
    merged = dyn.patch(res, body={'metadata': {'labels': {'patched': 'mp'}}, 'spec': {'paused': True}},
                       name='py-cluster', namespace=NS, content_type='application/merge-patch+json')
    # The dynamic client's default patch type is strategic merge, which custom resources refuse.
    smp = api_error(lambda: dyn.patch(res, body={'spec': {'paused': False}}, name='py-cluster', namespace=NS))
    deleted = dyn.delete(res, name='py-cluster', namespace=NS)
    after = dyn.get(res, namespace=NS)
    return {'resource': {'name': res.name, 'kind': res.kind, 'group': res.group, 'apiVersion': res.api_version,
                         'groupVersion': res.group_version, 'namespaced': res.namespaced,
                         'verbs': sorted(res.verbs or []), 'shortNames': res.short_names},
            'configMapResource': {'name': cm_res.name, 'namespaced': cm_res.namespaced},
            'created': {'kind': created.kind, 'apiVersion': created.apiVersion, 'name': created.metadata.name,
                        'namespace': created.metadata.namespace,
                        'podCidrs': list(created.spec.clusterNetwork.pods.cidrBlocks)},
            'listKind': listed.kind,
            'listed': [i.metadata.name for i in listed.items],
            'byLabel': [i.metadata.name for i in by_label.items],
            'get': {'name': got.metadata.name, 'host': got.spec.controlPlaneEndpoint.host,
                    'port': got.spec.controlPlaneEndpoint.port},
            'merge': {'labels': dict(merged.metadata.labels), 'paused': merged.spec.paused},
            'strategic': {'status': smp['status'], 'reason': smp['reason'], 'message': smp['message']},
            'deleted': {'kind': deleted.kind, 'status': deleted.status,
                        'detailsName': deleted.details.name if deleted.details else None},
            'listedAfterDelete': [i.metadata.name for i in after.items]}


OBS['failed'] = FAILED
print(json.dumps(OBS, sort_keys=True))
sys.exit(1 if FAILED else 0)
