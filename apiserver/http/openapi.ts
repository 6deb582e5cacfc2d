// OpenAPI v3: the /openapi/v3 root and one document per group-version, built from the kind table.
// kubectl needs them for `--validate=strict` (a PATCH operation per GVK with a fieldValidation
// parameter: cli-runtime pkg/resource/query_param_verifier_v3.go) and for `explain` (components.schemas
// found by their x-kubernetes-group-version-kind: kubectl pkg/explain/v2/templates/plaintext.tmpl).
// The schemas describe the main fields only; every object not fully listed keeps
// x-kubernetes-preserve-unknown-fields. The PATCH bodies leave out strategic-merge-patch+json, so that
// client-side apply never tries to build a strategic patch from these thin schemas (kubectl
// pkg/cmd/apply/patcher.go:229-256) and uses its compiled-in types instead.
import { createHash } from 'node:crypto';
import type { KindInfo } from '../api/kinds.ts';
import { groupsOf, verbsOf } from './discovery.ts';
import { kindFieldList, type FieldDesc } from '../api/proto/descriptor.ts';

export type Schema = { [key: string]: unknown };

export interface OpenAPIRoot {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenAPIDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Schema>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

interface GVK {
  group: string;
  version: string;
  kind: string;
}

const metaPrefix = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const objectMetaName = `${metaPrefix}.ObjectMeta`;
const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const scaleName = 'io.k8s.api.autoscaling.v1.Scale';
const conventions = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';

// ---------------------------------------------------------------------------------------------------
// Schema names, as the real server gives them.

/** `''` → `api/v1`, `apps` → `apis/apps/v1`: the key in the root document and the path after /openapi/v3/. */
export function openapiGroupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The reverse of openapiGroupVersionPath; also accepts a leading `/openapi/v3/`. */
export function parseOpenapiGroupVersionPath(path: string): { group: string; version: string } | undefined {
  const parts = path.replace(/^\/?(openapi\/v3\/)?/, '').replace(/\/$/, '').split('/');
  if (parts.length === 2 && parts[0] === 'api' && parts[1]) return { group: '', version: parts[1] };
  if (parts.length === 3 && parts[0] === 'apis' && parts[1] && parts[2]) return { group: parts[1], version: parts[2] };
  return undefined;
}

/**
 * The components.schemas name of a kind. Built-in kinds are named after their Go package
 * (`k8s.io/api/core/v1.Pod` → `io.k8s.api.core.v1.Pod`, `resource.k8s.io` → `io.k8s.api.resource.<v>`);
 * custom resources after the CRD's canonical type name `<group>/<version>.<Kind>` with the group
 * reversed (apiextensions-apiserver controller/openapi/builder: CRDCanonicalTypeNamer, then kube-openapi's
 * friendly name): `cluster.x-k8s.io` → `io.x-k8s.cluster.v1beta1.Cluster`.
 */
export function schemaNameFor(k: Pick<KindInfo, 'group' | 'version' | 'kind' | 'builtin'>, kind: string = k.kind): string {
  return `${schemaPrefixFor(k)}.${kind}`;
}

function schemaPrefixFor(k: Pick<KindInfo, 'group' | 'version' | 'builtin'>): string {
  // CustomResourceDefinition lives in k8s.io/apiextensions-apiserver, not k8s.io/api.
  if (k.builtin && k.group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${k.version}`;
  if (k.builtin) return `io.k8s.api.${k.group ? (k.group.split('.')[0] ?? k.group) : 'core'}.${k.version}`;
  return `${k.group.split('.').reverse().join('.')}.${k.version}`;
}

// ---------------------------------------------------------------------------------------------------
// Schema helpers.

const refPath = (name: string): string => `#/components/schemas/${name}`;
const str = (description: string, extra: Schema = {}): Schema => ({ description, type: 'string', ...extra });
const enumStr = (description: string, values: string[]): Schema => str(description, { enum: values });
const int32 = (description: string): Schema => ({ description, type: 'integer', format: 'int32' });
const int64 = (description: string): Schema => ({ description, type: 'integer', format: 'int64' });
const bool = (description: string): Schema => ({ description, type: 'boolean' });
const time = (description: string): Schema => str(description, { format: 'date-time' });
const duration = (description: string): Schema => str(description);
const intOrString = (description: string): Schema => ({ description, anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
const strMap = (description: string): Schema => ({ description, type: 'object', additionalProperties: { type: 'string', default: '' } });
const strList = (description: string): Schema => ({ description, type: 'array', items: { type: 'string', default: '' } });
const list = (description: string, items: Schema): Schema => ({ description, type: 'array', items });
/** An object; `complete` when every field is listed, otherwise unknown fields are preserved. */
const obj = (description: string, properties?: Record<string, Schema>, complete = false): Schema => ({
  description,
  type: 'object',
  ...(properties ? { properties } : {}),
  ...(complete ? {} : { 'x-kubernetes-preserve-unknown-fields': true }),
});
const anyObj = (description: string): Schema => obj(description);

/** The named schemas a document needs, added as they are referenced. */
class Components {
  readonly schemas: Record<string, Schema> = {};

  /** Adds `name` (built lazily, once) and returns a schema that refers to it, as upstream does. */
  ref(name: string, description: string, make: () => Schema): Schema {
    this.define(name, make);
    return { description, default: {}, allOf: [{ $ref: refPath(name) }] };
  }

  refList(name: string, description: string, make: () => Schema): Schema {
    this.define(name, make);
    return { description, type: 'array', items: { default: {}, allOf: [{ $ref: refPath(name) }] } };
  }

  /** A bare $ref, for request and response bodies. */
  plain(name: string, make: () => Schema): Schema {
    this.define(name, make);
    return { $ref: refPath(name) };
  }

  define(name: string, make: () => Schema): void {
    if (name in this.schemas) return;
    this.schemas[name] = {}; // placeholder against cycles
    this.schemas[name] = make();
  }
}

// ---------------------------------------------------------------------------------------------------
// apimachinery meta/v1.

const apiVersionProp = str(
  `APIVersion defines the versioned schema of this representation of an object. Servers convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: ${conventions}#resources`,
);
const kindProp = str(
  `Kind is a string value representing the REST resource this object represents. Servers may infer it from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ${conventions}#types-kinds`,
);

function objectMetaRef(c: Components): Schema {
  return c.ref(objectMetaName, `Standard object's metadata. More info: ${conventions}#metadata`, () => objectMeta(c));
}

function objectMeta(c: Components): Schema {
  return obj(
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    {
      name: str('Name must be unique within a namespace. It is required when creating resources (unless generateName is set) and cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'),
      generateName: str('An optional prefix used by the server to generate a unique name, only if the Name field has not been provided. The server appends five random characters to it.'),
      namespace: str('The namespace the object belongs to; empty for cluster-scoped objects, and "default" when omitted on create of a namespaced object. Cannot be updated.'),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: str('UID is the unique in time and space value for this object, generated by the server on successful creation. Read-only.'),
      resourceVersion: str(`An opaque value that represents the internal version of this object, used for optimistic concurrency, change detection, and the watch operation. Clients must treat it as opaque and pass it unmodified back to the server. Read-only. More info: ${conventions}#concurrency-control-and-consistency`),
      generation: int64('A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.'),
      creationTimestamp: time('CreationTimestamp is the time when this object was created, set by the server. Read-only.'),
      deletionTimestamp: time('DeletionTimestamp is the RFC 3339 date and time at which this resource will be deleted, set by the server when a graceful deletion is requested. Once set, it cannot be unset, and the object is removed once its finalizers list is empty. Read-only.'),
      deletionGracePeriodSeconds: int64('Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. Read-only.'),
      labels: strMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels'),
      annotations: strMap('Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations'),
      ownerReferences: c.refList(`${metaPrefix}.OwnerReference`, 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. At most one owner may be a managing controller.', () =>
        obj(
          'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped.',
          {
            apiVersion: str('API version of the referent.'),
            kind: str('Kind of the referent.'),
            name: str('Name of the referent.'),
            uid: str('UID of the referent.'),
            controller: bool('If true, this reference points to the managing controller.'),
            blockOwnerDeletion: bool('If true, and the owner has the "foregroundDeletion" finalizer, the owner cannot be deleted from the key-value store until this reference is removed.'),
          },
          true,
        ),
      ),
      finalizers: strList('Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. Once deletionTimestamp is set, entries may only be removed, never added.'),
      managedFields: c.refList(`${metaPrefix}.ManagedFieldsEntry`, 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically should not need to set or understand this field.', () =>
        obj(
          'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
          {
            manager: str('Manager is an identifier of the workflow managing these fields.'),
            operation: str('Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are "Apply" and "Update".'),
            apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
            time: time('Time is the timestamp of when the ManagedFields entry was added.'),
            fieldsType: str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1".'),
            fieldsV1: anyObj('FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
            subresource: str('Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.'),
          },
          true,
        ),
      ),
    },
    true,
  );
}

function listMetaRef(c: Components): Schema {
  return c.ref(`${metaPrefix}.ListMeta`, `Standard list metadata. More info: ${conventions}#types-kinds`, () =>
    obj(
      'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
      {
        continue: str('continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. Pass it as the continue parameter to get the next page.'),
        remainingItemCount: int64('remainingItemCount is the number of subsequent items in the list which are not included in this list response.'),
        resourceVersion: str('String that identifies the server\'s internal version of this list, usable as the resourceVersion of a watch that follows. Read-only.'),
        selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      },
      true,
    ),
  );
}

function labelSelector(description: string): Schema {
  return obj(
    description,
    {
      matchLabels: strMap('matchLabels is a map of {key,value} pairs; each is equivalent to a matchExpressions element with operator "In" and that single value. The requirements are ANDed.'),
      matchExpressions: list(
        'matchExpressions is a list of label selector requirements. The requirements are ANDed.',
        obj(
          'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
          {
            key: str('key is the label key that the selector applies to.'),
            operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
            values: strList('values is an array of string values. Must be non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
          },
          true,
        ),
      ),
    },
    true,
  );
}

function quantity(c: Components, description: string): Schema {
  return c.ref(quantityName, description, () =>
    str('Quantity is a fixed-point representation of a number, written like "100m", "1Gi" or "2" (a number is also accepted).'),
  );
}

function quantityMap(c: Components, description: string): Schema {
  c.define(quantityName, () => str('Quantity is a fixed-point representation of a number, written like "100m", "1Gi" or "2" (a number is also accepted).'));
  return { description, type: 'object', additionalProperties: { $ref: refPath(quantityName) } };
}

function metaSchemas(c: Components): void {
  c.define(`${metaPrefix}.Patch`, () => ({ description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' }));
  c.define(`${metaPrefix}.Status`, () =>
    obj('Status is a return value for calls that do not return other objects.', {
      apiVersion: apiVersionProp,
      kind: kindProp,
      metadata: listMetaRef(c),
      status: str('Status of the operation. One of: "Success" or "Failure".'),
      message: str('A human-readable description of the status of this operation.'),
      reason: str('A machine-readable description of why this operation is in the "Failure" status, such as NotFound or Conflict.'),
      details: anyObj('Extended data associated with the reason: name, group, kind, causes and retryAfterSeconds.'),
      code: int32('Suggested HTTP return code for this status, 0 if not set.'),
    }),
  );
  c.define(`${metaPrefix}.DeleteOptions`, () =>
    obj('DeleteOptions may be provided when deleting an API object.', {
      apiVersion: apiVersionProp,
      kind: kindProp,
      dryRun: strList('When present, indicates that modifications should not be persisted. The only valid value is "All".'),
      gracePeriodSeconds: int64('The duration in seconds before the object should be deleted. Zero means delete immediately.'),
      orphanDependents: bool('Deprecated: use propagationPolicy. Whether the dependent objects should be orphaned.'),
      preconditions: obj('Must be fulfilled before a deletion is carried out.', { resourceVersion: str('Specifies the target ResourceVersion.'), uid: str('Specifies the target UID.') }, true),
      propagationPolicy: enumStr('Whether and how garbage collection will be performed: "Orphan", "Background" or "Foreground".', ['Orphan', 'Background', 'Foreground']),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Per-kind schemas. `c` collects named sub-schemas; `p` is the kind's schema-name prefix.

interface KindDoc {
  description: string;
  properties: Record<string, Schema>;
}

type KindDocFn = (c: Components, p: string) => KindDoc;

const coreObjectReferenceName = 'io.k8s.api.core.v1.ObjectReference';

function coreObjectReferenceSchema(): Schema {
  return obj(
    'ObjectReference contains enough information to let you inspect or modify the referred object.',
    {
      apiVersion: str('API version of the referent.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      namespace: str('Namespace of the referent.'),
      uid: str('UID of the referent.'),
      resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
      fieldPath: str('If referring to a piece of an object instead of an entire object, a JSON path to that piece, such as spec.containers{name}.'),
    },
    true,
  );
}

const coreObjectReference = (c: Components, description: string): Schema => c.ref(coreObjectReferenceName, description, coreObjectReferenceSchema);

function coreEventSource(c: Components, description: string): Schema {
  return c.ref('io.k8s.api.core.v1.EventSource', description, () =>
    obj('EventSource contains information for an event.', { component: str('Component from which the event is generated.'), host: str('Node name on which the event is generated.') }, true),
  );
}

const localObjectReference = (description: string): Schema =>
  obj(description, { name: str('Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names') }, true);

function container(c: Components, p: string): Schema {
  return obj('A single application container that you want to run within a pod.', {
    name: str('Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated.'),
    image: str('Container image name. More info: https://kubernetes.io/docs/concepts/containers/images'),
    imagePullPolicy: enumStr('Image pull policy: Always, Never or IfNotPresent. Defaults to Always if the :latest tag is specified, IfNotPresent otherwise.', ['Always', 'IfNotPresent', 'Never']),
    command: strList("Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this is not provided. Cannot be updated."),
    args: strList("Arguments to the entrypoint. The image's CMD is used if this is not provided. Cannot be updated."),
    workingDir: str("Container's working directory. Defaults to the container runtime's default."),
    env: c.refList(`${p}.EnvVar`, 'List of environment variables to set in the container. Cannot be updated.', () =>
      obj(
        'EnvVar represents an environment variable present in a Container.',
        {
          name: str('Name of the environment variable.'),
          value: str('Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container. Defaults to "".'),
          valueFrom: anyObj("Source for the environment variable's value: a field of the pod, a resource of the container, a ConfigMap key or a Secret key. Cannot be used if value is not empty."),
        },
        true,
      ),
    ),
    envFrom: list('List of sources to populate environment variables in the container, from ConfigMaps or Secrets.', anyObj('EnvFromSource represents the source of a set of ConfigMaps or Secrets.')),
    ports: c.refList(`${p}.ContainerPort`, 'List of ports to expose from the container. Primarily informational.', () =>
      obj(
        'ContainerPort represents a network port in a single container.',
        {
          name: str('If specified, an IANA_SVC_NAME unique within the pod that services can refer to.'),
          containerPort: int32("Number of port to expose on the pod's IP address (0 < x < 65536)."),
          protocol: enumStr('Protocol for port: UDP, TCP or SCTP. Defaults to TCP.', ['SCTP', 'TCP', 'UDP']),
          hostIP: str('What host IP to bind the external port to.'),
          hostPort: int32('Number of port to expose on the host (0 < x < 65536).'),
        },
        true,
      ),
    ),
    resources: c.ref(`${p}.ResourceRequirements`, 'Compute resources required by this container. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/', () =>
      obj(
        'ResourceRequirements describes the compute resource requirements.',
        {
          limits: quantityMap(c, 'Limits describes the maximum amount of compute resources allowed.'),
          requests: quantityMap(c, 'Requests describes the minimum amount of compute resources required. Defaults to limits when omitted.'),
          claims: list(
            'Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container (dynamic resource allocation).',
            obj('ResourceClaim references one entry in PodSpec.ResourceClaims.', { name: str('Name must match the name of one entry in pod.spec.resourceClaims.'), request: str('The name of a request in the referenced claim; empty means the whole claim.') }, true),
          ),
        },
        true,
      ),
    ),
    volumeMounts: c.refList(`${p}.VolumeMount`, "Pod volumes to mount into the container's filesystem. Cannot be updated.", () =>
      obj('VolumeMount describes a mounting of a Volume within a container.', {
        name: str('This must match the name of a volume.'),
        mountPath: str("Path within the container at which the volume should be mounted. Must not contain ':'."),
        readOnly: bool('Mounted read-only if true, read-write otherwise. Defaults to false.'),
        subPath: str("Path within the volume from which the container's volume should be mounted. Defaults to the volume's root."),
      }),
    ),
    livenessProbe: anyObj('Periodic probe of container liveness. The container is restarted if the probe fails.'),
    readinessProbe: anyObj('Periodic probe of container service readiness. The container is removed from service endpoints if the probe fails.'),
    startupProbe: anyObj('StartupProbe indicates that the pod has successfully initialized; no other probe runs until it succeeds.'),
    securityContext: anyObj('SecurityContext defines the security options the container should be run with.'),
  });
}

const pod: KindDocFn = (c, p) => ({
  description: 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.',
  properties: {
    spec: c.ref(`${p}.PodSpec`, `Specification of the desired behavior of the pod. More info: ${conventions}#spec-and-status`, () =>
      obj('PodSpec is a description of a pod.', {
        containers: c.refList(`${p}.Container`, 'List of containers belonging to the pod. There must be at least one. Containers cannot currently be added or removed.', () => container(c, p)),
        initContainers: c.refList(`${p}.Container`, 'List of initialization containers, run in order before the app containers start; each must succeed before the next one starts.', () => container(c, p)),
        restartPolicy: enumStr('Restart policy for all containers within the pod: Always, OnFailure or Never. Defaults to Always.', ['Always', 'Never', 'OnFailure']),
        terminationGracePeriodSeconds: int64('Duration in seconds the pod needs to terminate gracefully after a delete request. Defaults to 30 seconds.'),
        activeDeadlineSeconds: int64('Duration in seconds the pod may be active on the node, relative to its start time, before the system actively tries to mark it failed and kill its containers.'),
        nodeSelector: strMap("A selector which must be true for the pod to fit on a node: the node's labels must match every key and value."),
        nodeName: str('A request to schedule this pod onto a specific node. If set, the scheduler ignores the pod and the kubelet of that node runs it.'),
        schedulerName: str('The scheduler that dispatches the pod. Defaults to the default scheduler.'),
        serviceAccountName: str('Name of the ServiceAccount to use to run this pod.'),
        automountServiceAccountToken: bool('Whether a service account token should be automatically mounted.'),
        hostNetwork: bool("Host networking requested for this pod: use the host's network namespace. Defaults to false."),
        hostname: str("Specifies the hostname of the pod. Defaults to the pod's name."),
        priorityClassName: str('The name of the PriorityClass that determines the pod\'s priority.'),
        priority: int32('The priority value, filled in from priorityClassName by the admission controller.'),
        affinity: anyObj("If specified, the pod's scheduling constraints: node affinity, pod affinity and pod anti-affinity."),
        tolerations: c.refList(`${p}.Toleration`, "If specified, the pod's tolerations.", () =>
          obj(
            'The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator.',
            {
              key: str('The taint key that the toleration applies to. Empty means match all taint keys; the operator must then be Exists.'),
              operator: enumStr("Represents a key's relationship to the value: Exists or Equal. Defaults to Equal.", ['Equal', 'Exists']),
              value: str('The taint value the toleration matches to. Should be empty if the operator is Exists.'),
              effect: enumStr('The taint effect to match. Empty means match all effects.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
              tolerationSeconds: int64('For NoExecute taints: how long the pod stays bound after the taint is added. Unset means forever; zero and negative values mean evict at once.'),
            },
            true,
          ),
        ),
        volumes: c.refList(`${p}.Volume`, 'List of volumes that can be mounted by containers belonging to the pod. More info: https://kubernetes.io/docs/concepts/storage/volumes', () =>
          obj('Volume represents a named volume in a pod that may be accessed by any container in the pod.', {
            name: str('Name of the volume. Must be a DNS_LABEL and unique within the pod.'),
            configMap: anyObj('configMap represents a configMap that should populate this volume.'),
            secret: anyObj('secret represents a secret that should populate this volume.'),
            emptyDir: anyObj('emptyDir represents a temporary directory that shares a pod\'s lifetime.'),
            persistentVolumeClaim: anyObj('persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.'),
            projected: anyObj('projected items for all in one resources secrets, configmaps, and downward API.'),
          }),
        ),
        resourceClaims: list(
          'ResourceClaims defines which ResourceClaims must be allocated and reserved before the pod is allowed to start (dynamic resource allocation).',
          obj(
            'PodResourceClaim references exactly one ResourceClaim, directly or through a ResourceClaimTemplate.',
            {
              name: str('Name uniquely identifies this resource claim inside the pod.'),
              resourceClaimName: str('The name of a ResourceClaim object in the same namespace as this pod.'),
              resourceClaimTemplateName: str('The name of a ResourceClaimTemplate object in the same namespace as this pod, from which a claim is generated for the pod.'),
            },
            true,
          ),
        ),
        imagePullSecrets: list('References to secrets in the same namespace to use for pulling the images.', localObjectReference('LocalObjectReference contains enough information to locate the referenced object inside the same namespace.')),
        securityContext: anyObj('SecurityContext holds pod-level security attributes and common container settings.'),
      }),
    ),
    status: c.ref(`${p}.PodStatus`, `Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only. More info: ${conventions}#spec-and-status`, () =>
      obj('PodStatus represents information about the status of a pod.', {
        phase: enumStr('A simple, high-level summary of where the pod is in its lifecycle: Pending, Running, Succeeded, Failed or Unknown.', ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']),
        conditions: c.refList(`${p}.PodCondition`, 'Current service state of the pod, such as PodScheduled, Initialized, ContainersReady and Ready.', () =>
          obj('PodCondition contains details for the current condition of this pod.', {
            type: str('Type is the type of the condition.'),
            status: str('Status is the status of the condition: True, False or Unknown.'),
            reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
            message: str('Human-readable message indicating details about the last transition.'),
            lastProbeTime: time('Last time we probed the condition.'),
            lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
          }),
        ),
        message: str('A human readable message indicating details about why the pod is in this condition.'),
        reason: str("A brief CamelCase message indicating details about why the pod is in this state, e.g. 'Evicted'."),
        nominatedNodeName: str('Set when this pod preempts other pods on a node; the scheduler then expects to place it on that node.'),
        hostIP: str('IP address of the host to which the pod is assigned. Empty if not yet scheduled.'),
        podIP: str('IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
        podIPs: list('IP addresses allocated to the pod; the first equals podIP.', obj('PodIP represents a single IP address allocated to the pod.', { ip: str('IP is the IP address assigned to the pod.') }, true)),
        startTime: time('The time at which the object was acknowledged by the Kubelet, before the container images were pulled.'),
        containerStatuses: c.refList(`${p}.ContainerStatus`, 'The status of each container in the pod, as last reported by the kubelet.', () =>
          obj('ContainerStatus contains details for the current status of this container.', {
            name: str('Name is a DNS_LABEL representing the unique name of the container.'),
            ready: bool('Ready specifies whether the container is currently passing its readiness check.'),
            started: bool('Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.'),
            restartCount: int32('The number of times the container has been restarted.'),
            image: str('Image is the name of the container image that the container is running.'),
            imageID: str("ImageID is the image ID of the container's image."),
            containerID: str("ContainerID is the ID of the container in the format '<type>://<container_id>'."),
            state: anyObj('State holds details about the container\'s current condition: waiting, running or terminated.'),
            lastState: anyObj("LastTerminationState holds the last termination state of the container."),
          }),
        ),
        qosClass: enumStr('The Quality of Service class assigned to the pod based on resource requirements.', ['BestEffort', 'Burstable', 'Guaranteed']),
        resourceClaimStatuses: list(
          'Status of resource claims: the name of the ResourceClaim generated for each entry of spec.resourceClaims that uses a template.',
          obj('PodResourceClaimStatus is stored in the PodStatus for each PodResourceClaim which references a ResourceClaimTemplate.', { name: str('Name uniquely identifies this resource claim inside the pod.'), resourceClaimName: str('The name of the ResourceClaim that was generated for the pod.') }, true),
        ),
      }),
    ),
  },
});

const taint = (c: Components, p: string, description: string): Schema =>
  c.refList(`${p}.Taint`, description, () =>
    obj(
      'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.',
      {
        key: str('Required. The taint key to be applied to a node.'),
        value: str('The taint value corresponding to the taint key.'),
        effect: enumStr('Required. The effect of the taint on pods that do not tolerate it: NoSchedule, PreferNoSchedule or NoExecute.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
        timeAdded: time('TimeAdded represents the time at which the taint was added. Only written for NoExecute taints.'),
      },
      true,
    ),
  );

const coreKinds: Record<string, KindDocFn> = {
  Pod: pod,
  Namespace: (c, p) => ({
    description: 'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
    properties: {
      spec: c.ref(`${p}.NamespaceSpec`, `Spec defines the behavior of the Namespace. More info: ${conventions}#spec-and-status`, () =>
        obj('NamespaceSpec describes the attributes on a Namespace.', { finalizers: strList('Finalizers is an opaque list of values that must be empty to permanently remove the object from storage; "kubernetes" is removed once the namespace is emptied.') }, true),
      ),
      status: c.ref(`${p}.NamespaceStatus`, `Status describes the current status of a Namespace. More info: ${conventions}#spec-and-status`, () =>
        obj('NamespaceStatus is information about the current status of a Namespace.', {
          phase: enumStr('Phase is the current lifecycle phase of the namespace: Active, or Terminating once deletion has started. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/', ['Active', 'Terminating']),
          conditions: list('Represents the latest available observations of a namespace\'s current state, such as NamespaceContentRemaining while it is terminating.', anyObj('NamespaceCondition contains details about the state of a namespace.')),
        }),
      ),
    },
  }),
  Node: (c, p) => ({
    description: 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).',
    properties: {
      spec: c.ref(`${p}.NodeSpec`, `Spec defines the behavior of a node. More info: ${conventions}#spec-and-status`, () =>
        obj('NodeSpec describes the attributes that a node is created with.', {
          podCIDR: str('PodCIDR represents the pod IP range assigned to the node.'),
          podCIDRs: strList('podCIDRs represents the IP ranges assigned to the node for usage by pods on that node.'),
          providerID: str('ID of the node assigned by the cloud provider in the format <ProviderName>://<ProviderSpecificNodeID>.'),
          unschedulable: bool('Unschedulable controls node schedulability of new pods. By default, node is schedulable.'),
          taints: taint(c, p, "If specified, the node's taints."),
        }),
      ),
      status: c.ref(`${p}.NodeStatus`, `Most recently observed status of the node. Populated by the system. Read-only. More info: ${conventions}#spec-and-status`, () =>
        obj('NodeStatus is information about the current status of a node.', {
          capacity: quantityMap(c, 'Capacity represents the total resources of a node.'),
          allocatable: quantityMap(c, 'Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.'),
          conditions: list('Conditions is an array of current observed node conditions, such as Ready.', anyObj('NodeCondition contains condition information for a node.')),
          addresses: list('List of addresses reachable to the node.', obj('NodeAddress contains information for the node\'s address.', { type: str('Node address type, one of Hostname, ExternalIP or InternalIP.'), address: str('The node address.') }, true)),
          nodeInfo: anyObj('Set of ids/uuids to uniquely identify the node, and the versions of its kubelet and container runtime.'),
        }),
      ),
    },
  }),
  ConfigMap: () => ({
    description: 'ConfigMap holds configuration data for pods to consume.',
    properties: {
      data: strMap('Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field.'),
      binaryData: { description: 'BinaryData contains the binary data, base64-encoded. Its keys must not overlap with the keys in the Data field.', type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
      immutable: bool('Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). Defaults to false.'),
    },
  }),
  Secret: () => ({
    description: 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.',
    properties: {
      data: { description: 'Data contains the secret data, base64-encoded. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.', type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
      stringData: strMap('stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience: all keys and values are merged into the data field on write.'),
      type: str('Used to facilitate programmatic handling of secret data, e.g. Opaque or kubernetes.io/tls. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
      immutable: bool('Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified). Defaults to false.'),
    },
  }),
  ServiceAccount: (c) => ({
    description: 'ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity; a principal that can be authenticated and authorized; and a set of secrets.',
    properties: {
      secrets: c.refList(coreObjectReferenceName, 'Deprecated: the secrets in the same namespace that pods running with this ServiceAccount may use.', coreObjectReferenceSchema),
      imagePullSecrets: list('ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.', localObjectReference('LocalObjectReference contains enough information to locate the referenced object inside the same namespace.')),
      automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.'),
    },
  }),
  Service: (c, p) => ({
    description: "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
    properties: {
      spec: c.ref(`${p}.ServiceSpec`, `Spec defines the behavior of a service. More info: ${conventions}#spec-and-status`, () =>
        obj('ServiceSpec describes the attributes that a user creates on a service.', {
          type: enumStr('type determines how the Service is exposed: ClusterIP (the default), NodePort, LoadBalancer or ExternalName.', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
          selector: strMap('Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints.'),
          ports: c.refList(`${p}.ServicePort`, 'The list of ports that are exposed by this service.', () =>
            obj(
              "ServicePort contains information on service's port.",
              {
                name: str('The name of this port within the service. Required when there is more than one port.'),
                protocol: enumStr('The IP protocol for this port: TCP, UDP or SCTP. Default is TCP.', ['SCTP', 'TCP', 'UDP']),
                appProtocol: str('The application protocol for this port, used as a hint for implementations.'),
                port: int32('The port that will be exposed by this service.'),
                targetPort: intOrString("Number or name of the port to access on the pods targeted by the service. Defaults to the value of 'port'."),
                nodePort: int32('The port on each node on which this service is exposed when type is NodePort or LoadBalancer.'),
              },
              true,
            ),
          ),
          clusterIP: str('clusterIP is the IP address of the service, usually assigned randomly. "None" makes a headless service.'),
          clusterIPs: strList('ClusterIPs is a list of IP addresses assigned to this service; the first equals clusterIP.'),
          externalName: str('externalName is the external reference that discovery mechanisms return as an alias for this service (a CNAME record). Requires type ExternalName.'),
          sessionAffinity: enumStr('Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.', ['ClientIP', 'None']),
        }),
      ),
      status: c.ref(`${p}.ServiceStatus`, `Most recently observed status of the service. Populated by the system. Read-only. More info: ${conventions}#spec-and-status`, () =>
        obj('ServiceStatus represents the current status of a service.', {
          loadBalancer: anyObj('LoadBalancer contains the current status of the load-balancer, if one is present.'),
          conditions: list('Current service state.', anyObj('Condition contains details for one aspect of the current state of this API Resource.')),
        }),
      ),
    },
  }),
  Event: (c) => ({
    description: 'Event is a report of an event somewhere in the cluster. Events have a limited retention time and triggers and messages may evolve with time.',
    properties: {
      involvedObject: coreObjectReference(c, 'The object that this event is about.'),
      reason: str('This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      message: str('A human-readable description of the status of this operation.'),
      source: coreEventSource(c, 'The component reporting this event. Should be a short machine understandable string.'),
      firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
      count: int32('The number of times this event has occurred.'),
      type: str('Type of this event (Normal, Warning), new types could be added in the future.'),
      eventTime: str('Time when this Event was first observed.', { format: 'date-time' }),
      series: obj('Data about the Event series this event represents or nil if it\'s a singleton Event.', { count: int32('Number of occurrences in this series up to the last heartbeat time.'), lastObservedTime: time('Time of the last occurrence observed.') }, true),
      action: str('What action was taken/failed regarding to the Regarding object.'),
      related: coreObjectReference(c, 'Optional secondary object for more complex actions.'),
      reportingComponent: str('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
      reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.'),
    },
  }),
};

const eventsKinds: Record<string, KindDocFn> = {
  Event: (c) => ({
    description: 'Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system. Events have a limited retention time and triggers and messages may evolve with time.',
    properties: {
      eventTime: str('eventTime is the time when this Event was first observed. It is required.', { format: 'date-time' }),
      series: obj('series is data about the Event series this event represents or nil if it\'s a singleton Event.', { count: int32('count is the number of occurrences in this series up to the last heartbeat time.'), lastObservedTime: time('lastObservedTime is the time when last Event from the series was seen before last heartbeat.') }, true),
      reportingController: str('reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`. This field cannot be empty for new Events.'),
      reportingInstance: str('reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`. This field cannot be empty for new Events.'),
      action: str('action is what action was taken/failed regarding to the regarding object.'),
      reason: str('reason is why the action was taken. It is human-readable.'),
      regarding: coreObjectReference(c, 'regarding contains the object this Event is about.'),
      related: coreObjectReference(c, 'related is the optional secondary object for more complex actions.'),
      note: str('note is a human-readable description of the status of this operation.'),
      type: str('type is the type of this event (Normal, Warning), new types could be added in the future.'),
      deprecatedSource: coreEventSource(c, 'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedFirstTimestamp: time('deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedLastTimestamp: time('deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedCount: int32('deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.'),
    },
  }),
};

// resource.k8s.io (dynamic resource allocation)

const celSelectors = (description: string): Schema =>
  list(
    description,
    obj('DeviceSelector must have exactly one field set.', {
      cel: obj('CEL contains a CEL expression for selecting a device.', { expression: str('Expression is a CEL expression which evaluates a single device, e.g. `device.driver == "gpu.example.com"`. It must evaluate to true when the device under consideration satisfies the desired criteria.') }, true),
    }, true),
  );

const deviceTaint = (c: Components, p: string, description: string): Schema =>
  c.ref(`${p}.DeviceTaint`, description, () =>
    obj(
      'The device this taint is attached to has the "effect" on any claim which does not tolerate the taint and, through the claim, on pods using the claim.',
      {
        key: str('The taint key to be applied to a device. Must be a label name.'),
        value: str('The taint value corresponding to the taint key. Must be a label value.'),
        effect: enumStr('The effect of the taint on claims that do not tolerate the taint and through such claims on the pods using them: NoSchedule or NoExecute.', ['NoExecute', 'NoSchedule']),
        timeAdded: time('TimeAdded represents the time at which the taint was added. Added automatically during create or update if not set.'),
      },
      true,
    ),
  );

const resourceKinds: Record<string, KindDocFn> = {
  ResourceSlice: (c, p) => ({
    description: 'ResourceSlice represents one or more resources in a pool of similar resources, managed by a common driver. A pool may span more than one ResourceSlice; how many is given by pool.resourceSliceCount.',
    properties: {
      spec: c.ref(`${p}.ResourceSliceSpec`, 'Contains the information published by the driver. Changing the spec automatically increments the metadata.generation number.', () =>
        obj('ResourceSliceSpec contains the information published by the driver in one ResourceSlice.', {
          driver: str('Driver identifies the DRA driver providing the capacity information. A field selector can be used to list only ResourceSlice objects with a certain driver name. Must be a DNS subdomain. Immutable.'),
          pool: c.ref(`${p}.ResourcePool`, 'Pool describes the pool that this ResourceSlice belongs to.', () =>
            obj(
              'ResourcePool describes the pool that ResourceSlices belong to.',
              {
                name: str('Name is used to identify the pool. For node-local devices, this is often the node name.'),
                generation: int64('Generation tracks the change in a pool over time. Whenever a driver changes something about one or more of the resources in a pool, it must change the generation in all ResourceSlices which are part of that pool. Consumers of ResourceSlices should only consider resources from the pool with the highest generation number.'),
                resourceSliceCount: int64('ResourceSliceCount is the total number of ResourceSlices in the pool at this generation number. Must be greater than zero.'),
              },
              true,
            ),
          ),
          nodeName: str('NodeName identifies the node which provides the resources in this pool. A field selector can be used to list only ResourceSlice objects belonging to a certain node. Exactly one of nodeName, nodeSelector, allNodes (and perDeviceNodeSelection) must be set.'),
          nodeSelector: anyObj('NodeSelector defines which nodes have access to the resources in the pool, when that pool is not limited to a single node.'),
          allNodes: bool('AllNodes indicates that all nodes have access to the resources in the pool.'),
          perDeviceNodeSelection: bool('PerDeviceNodeSelection defines whether the access from nodes to resources in the pool is set on the ResourceSlice level or on each device.'),
          devices: c.refList(`${p}.Device`, 'Devices lists some or all of the devices in this pool. Must not have more than 128 entries.', () =>
            obj('Device represents one individual hardware instance that can be selected based on its attributes. Besides the name, exactly one field must be set.', {
              name: str('Name is unique identifier among all devices managed by the driver in the pool. It must be a DNS label.'),
              basic: obj('Basic defines one device instance.', {
                attributes: { description: 'Attributes defines the set of attributes for this device. The name of each attribute must be unique in that set.', type: 'object', additionalProperties: anyObj('DeviceAttribute must have exactly one field set: int, bool, string or version.') },
                capacity: { description: 'Capacity defines the set of capacities for this device.', type: 'object', additionalProperties: obj('DeviceCapacity describes a quantity associated with a device.', { value: quantity(c, 'Value defines how much of a certain device capacity is available.') }) },
                taints: list('If specified, these are the driver-defined taints. The device is unavailable to claims that do not tolerate them.', deviceTaint(c, p, 'DeviceTaint')),
              }),
            }),
          ),
          sharedCounters: list('SharedCounters defines a list of counter sets, each of which has a name and a list of counters available.', anyObj('CounterSet defines a named set of counters that are available to be used by devices defined in the ResourceSlice.')),
        }),
      ),
    },
  }),
  ResourceClaim: (c, p) => ({
    description: 'ResourceClaim describes a request for access to resources in the cluster, for use by workloads. For example, if a workload needs an accelerator device with specific properties, this is how that request is expressed. The status stanza tracks whether this claim has been satisfied and what specific resources have been allocated.',
    properties: {
      spec: c.ref(`${p}.ResourceClaimSpec`, 'Spec describes what is being requested and how to configure it. The spec is immutable.', () =>
        obj('ResourceClaimSpec defines what is being requested in a ResourceClaim and how to configure it.', {
          devices: obj('Devices defines how to request devices.', {
            requests: c.refList(`${p}.DeviceRequest`, 'Requests represent individual requests for distinct devices which must all be satisfied. If empty, nothing needs to be allocated.', () =>
              obj('DeviceRequest is a request for devices required for a claim.', {
                name: str('Name can be used to reference this request in a pod.spec.containers[].resources.claims entry and in a constraint of the claim. Must be a DNS label.'),
                deviceClassName: str('DeviceClassName references a specific DeviceClass, which can define additional configuration and selectors to be inherited by this request.'),
                selectors: celSelectors('Selectors define criteria which must be satisfied by a specific device in order for that device to be considered for this request. All selectors must be satisfied.'),
                allocationMode: enumStr('AllocationMode and its related fields define how devices are allocated: ExactCount (the default) allocates exactly `count` devices; All allocates every matching device in the pool.', ['All', 'ExactCount']),
                count: int64('Count is used only when the count mode is "ExactCount". Must be greater than zero. Defaults to one.'),
                adminAccess: bool('AdminAccess indicates that this is a claim for administrative access to the device(s), which are then not treated as exclusively in use.'),
                firstAvailable: list('FirstAvailable contains subrequests, of which exactly one will be satisfied by the scheduler.', anyObj('DeviceSubRequest describes a request for device provided in the claim.spec.devices.requests[].firstAvailable array.')),
                tolerations: list('If specified, the request\'s tolerations: a device with a matching taint can be allocated.', anyObj('The ResourceClaim this DeviceToleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator.')),
              }),
            ),
            constraints: list('These constraints must be satisfied by the set of devices that get allocated for the claim.', anyObj('DeviceConstraint must have exactly one field set besides Requests.')),
            config: list('This field holds configuration for multiple potential drivers which could satisfy requests in this claim.', anyObj('DeviceClaimConfiguration is used for configuration parameters in DeviceClaim.')),
          }),
        }),
      ),
      status: c.ref(`${p}.ResourceClaimStatus`, 'Status describes whether the claim is ready to use and what has been allocated.', () =>
        obj('ResourceClaimStatus tracks whether the resource has been allocated and what the result of that was.', {
          allocation: obj('Allocation is set once the claim has been allocated successfully.', {
            devices: obj('Devices is the result of allocating devices.', {
              results: list(
                'Results lists all allocated devices.',
                obj('DeviceRequestAllocationResult contains the allocation result for one request.', {
                  request: str('Request is the name of the request in the claim which caused this device to be allocated.'),
                  driver: str('Driver specifies the name of the DRA driver whose kubelet plugin should be invoked to process the allocation once the claim is needed on a node.'),
                  pool: str('This name together with the driver name and the device name field identify which device was allocated.'),
                  device: str('Device references one device instance via its name in the driver\'s resource pool.'),
                  adminAccess: bool('AdminAccess indicates that this device was allocated for administrative access.'),
                  tolerations: list('A copy of all tolerations specified in the request at the time when the device got allocated.', anyObj('DeviceToleration')),
                }),
              ),
              config: list('This field is a combination of all the claim and class configuration parameters.', anyObj('DeviceAllocationConfiguration gets embedded in an AllocationResult.')),
            }),
            nodeSelector: anyObj('NodeSelector defines where the allocated resources are available. If unset, they are available everywhere.'),
          }),
          reservedFor: list(
            'ReservedFor indicates which entities are currently allowed to use the claim. A Pod which references a ResourceClaim which is not reserved for that Pod will not be started. There can be at most 256 such reservations.',
            obj(
              'ResourceClaimConsumerReference contains enough information to let you locate the consumer of a ResourceClaim. The user must be a resource in the same namespace as the ResourceClaim.',
              {
                apiGroup: str('APIGroup is the group for the resource being referenced. It is empty for the core API.'),
                resource: str('Resource is the type of resource being referenced, for example "pods".'),
                name: str('Name is the name of resource being referenced.'),
                uid: str('UID identifies exactly one incarnation of the resource.'),
              },
              true,
            ),
          ),
          devices: list('Devices contains the status of each device allocated for this claim, as reported by the driver.', anyObj('AllocatedDeviceStatus contains the status of an allocated device, if the driver chooses to report it.')),
        }),
      ),
    },
  }),
  DeviceClass: (c, p) => ({
    description: 'DeviceClass is a vendor- or admin-provided resource that contains device configuration and selectors. It can be referenced in the device requests of a claim to apply these presets. Cluster scoped.',
    properties: {
      spec: c.ref(`${p}.DeviceClassSpec`, 'Spec defines what can be allocated and how to configure it. Changing it does not affect claims that were already allocated.', () =>
        obj('DeviceClassSpec is used in a DeviceClass to define what can be allocated and how to configure it.', {
          selectors: celSelectors('Each selector must be satisfied by a device which is claimed via this class.'),
          config: list('Config defines configuration parameters that apply to each device that is claimed via this class.', anyObj('DeviceClassConfiguration is used in DeviceClass.')),
        }),
      ),
    },
  }),
  DeviceTaintRule: (c, p) => ({
    description: 'DeviceTaintRule adds one taint to all devices which match the selector. This has the same effect as if the taint was specified directly in the ResourceSlice by the DRA driver.',
    properties: {
      spec: c.ref(`${p}.DeviceTaintRuleSpec`, 'Spec specifies the selector and one taint. Changing the spec automatically increments the metadata.generation number.', () =>
        obj('DeviceTaintRuleSpec specifies the selector and one taint.', {
          deviceSelector: obj('DeviceSelector defines which device(s) the taint is applied to. All selector criteria must be satisfied for a device to match. The empty selector matches all devices.', {
            deviceClassName: str('If DeviceClassName is set, the selectors defined there must be satisfied by a device to be selected.'),
            driver: str('If driver is set, only devices from that driver are selected.'),
            pool: str('If pool is set, only devices in that pool are selected.'),
            device: str('If device is set, only devices with that name are selected.'),
            selectors: celSelectors('Selectors contains the same selection criteria as a ResourceClaim.'),
          }, true),
          taint: deviceTaint(c, p, 'The taint that gets applied to matching devices.'),
        }),
      ),
    },
  }),
};

// cluster.x-k8s.io v1beta1 (custom resources upstream: everything inline, as in the CRDs)

const capiObjectReference = (description: string): Schema =>
  obj(
    description,
    {
      apiVersion: str('API version of the referent.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      namespace: str('Namespace of the referent.'),
      uid: str('UID of the referent.'),
      resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
      fieldPath: str('If referring to a piece of an object instead of an entire object, a JSON path to that piece.'),
    },
    true,
  );

const capiConditions = (description = 'conditions defines current service state of the object.'): Schema =>
  list(
    description,
    obj(
      'Condition defines an observation of a Cluster API resource operational state.',
      {
        type: str('type of condition in CamelCase or in foo.example.com/CamelCase, e.g. Ready or InfrastructureReady.'),
        status: str('status of the condition, one of True, False, Unknown.'),
        severity: str('severity provides an explicit classification of Reason code (Error, Warning or Info), so users or machines can immediately understand the current situation. Only set when status is False.'),
        lastTransitionTime: time('lastTransitionTime is the last time the condition transitioned from one status to another.'),
        reason: str("reason is the reason for the condition's last transition in CamelCase."),
        message: str('message is a human readable message indicating details about the transition.'),
      },
      true,
    ),
  );

const v1beta2Status = (kind: string): Schema => anyObj(`v1beta2 groups all the fields that will be added or modified in ${kind}'s status with the V1Beta2 version.`);
const failureReason = str('failureReason indicates that there is a fatal problem reconciling the state, and will be set to a token value suitable for programmatic interpretation. Deprecated: it will be removed with the v1beta2 API.');
const failureMessage = str('failureMessage indicates that there is a fatal problem reconciling the state, and will be set to a descriptive error message. Deprecated: it will be removed with the v1beta2 API.');
const addresses = (description: string): Schema =>
  list(description, obj('MachineAddress contains information for the node\'s address.', { type: str('type is the machine address type, one of Hostname, ExternalIP, InternalIP, ExternalDNS or InternalDNS.'), address: str('address is the machine address.') }, true));

const machineSpec = (description: string): Schema =>
  obj(description, {
    clusterName: str('clusterName is the name of the Cluster this object belongs to. Required.'),
    bootstrap: obj('bootstrap is a reference to a local struct which encapsulates fields to configure the Machine’s bootstrapping mechanism. Required.', {
      configRef: capiObjectReference('configRef is a reference to a bootstrap provider-specific resource that holds configuration details (e.g. a KubeadmConfig). The reference is optional to allow users/operators to specify Bootstrap.DataSecretName without the need of a controller.'),
      dataSecretName: str('dataSecretName is the name of the secret that stores the bootstrap data script. If nil, the Machine should remain in the Pending state.'),
    }, true),
    infrastructureRef: capiObjectReference('infrastructureRef is a required reference to a custom resource offered by an infrastructure provider (e.g. a DockerMachine).'),
    version: str('version defines the desired Kubernetes version, e.g. v1.32.4. This field is meant to be optionally used by bootstrap providers.'),
    providerID: str('providerID is the identification ID of the machine provided by the provider. It must match the provider ID as seen on the node object corresponding to this machine.'),
    failureDomain: str('failureDomain is the failure domain the machine will be created in. Must match a key in the FailureDomains map stored on the cluster object.'),
    readinessGates: list('readinessGates specifies additional conditions to include when evaluating Machine Ready condition.', obj('MachineReadinessGate contains the type of a Machine condition to be used as a readiness gate.', { conditionType: str('conditionType refers to a condition with matching type in the Machine\'s condition list.'), polarity: str('polarity of the conditionType specified in this readinessGate: Positive (the default) or Negative.') }, true)),
    nodeDrainTimeout: duration('nodeDrainTimeout is the total amount of time that the controller will spend on draining a node, e.g. "10m". The default value is 0, meaning that the node can be drained without any time limitations.'),
    nodeVolumeDetachTimeout: duration('nodeVolumeDetachTimeout is the total amount of time that the controller will spend on waiting for all volumes to be detached. The default value is 0, meaning that the volumes can be detached without any time limitations.'),
    nodeDeletionTimeout: duration('nodeDeletionTimeout defines how long the controller will attempt to delete the Node that the Machine hosts after the Machine is marked for deletion. A duration of 0 will retry deletion indefinitely. Defaults to 10 seconds.'),
  });

const machineTemplate = (description: string): Schema =>
  obj(description, {
    metadata: obj('Standard object\'s metadata: the labels and annotations copied to each Machine.', { labels: strMap('labels is a map of string keys and values that can be used to organize and categorize objects.'), annotations: strMap('annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.') }, true),
    spec: machineSpec('spec is the specification of the desired behavior of the machine.'),
  });

const machineNamingStrategy = obj('machineNamingStrategy allows changing the naming pattern used when creating Machines. InfraMachines & BootstrapConfigs will use the same name as the corresponding Machines.', { template: str('template defines the template to use for generating the names of the Machine objects, e.g. "{{ .machineSet.name }}-{{ .random }}". If not defined, it defaults to that pattern. Length of the generated name must not exceed 63 characters.') }, true);

const capiKinds: Record<string, KindDocFn> = {
  Cluster: () => ({
    description: 'Cluster is the Schema for the clusters API: a Kubernetes cluster managed by Cluster API, with references to the control plane and infrastructure objects that implement it.',
    properties: {
      spec: obj('spec is the desired state of Cluster.', {
        paused: bool('paused can be used to prevent controllers from processing the Cluster and all its associated objects.'),
        clusterNetwork: obj('clusterNetwork represents the cluster network configuration.', {
          apiServerPort: int32('apiServerPort specifies the port the API Server should bind to. Defaults to 6443.'),
          services: obj('services is the network ranges from which service VIPs are allocated.', { cidrBlocks: strList('cidrBlocks is a list of CIDR blocks.') }, true),
          pods: obj('pods is the network ranges from which Pod networks are allocated.', { cidrBlocks: strList('cidrBlocks is a list of CIDR blocks.') }, true),
          serviceDomain: str('serviceDomain is the domain name for services.'),
        }, true),
        controlPlaneEndpoint: obj('controlPlaneEndpoint represents the endpoint used to communicate with the control plane.', { host: str('host is the hostname on which the API server is serving.'), port: int32('port is the port on which the API server is serving.') }, true),
        controlPlaneRef: capiObjectReference('controlPlaneRef is an optional reference to a provider-specific resource that holds the details for provisioning the Control Plane for a Cluster (e.g. a KubeadmControlPlane).'),
        infrastructureRef: capiObjectReference('infrastructureRef is a reference to a provider-specific resource that holds the details for provisioning infrastructure for a cluster in said provider (e.g. a DockerCluster).'),
        topology: obj('topology encapsulates the topology for the cluster. NOTE: It is required to enable the ClusterTopology feature gate flag to activate managed topologies support.', {
          class: str('class is the name of the ClusterClass object to create the topology.'),
          classNamespace: str('classNamespace is the namespace of the ClusterClass that should be used for the topology. Defaults to the namespace of the Cluster.'),
          version: str('version is the Kubernetes version of the cluster.'),
          rolloutAfter: time('rolloutAfter performs a rollout of the entire cluster one component at a time, control plane first and then machine deployments. Deprecated: not implemented.'),
          controlPlane: anyObj('controlPlane describes the cluster control plane.'),
          workers: anyObj('workers encapsulates the different constructs that form the worker nodes for the cluster: machineDeployments and machinePools.'),
          variables: list('variables can be used to customize the Cluster through patches. They must comply to the corresponding VariableClasses defined in the ClusterClass.', anyObj('ClusterVariable can be used to customize the Cluster through patches.')),
        }),
        availabilityGates: list('availabilityGates specifies additional conditions to include when evaluating Cluster Available condition.', obj('ClusterAvailabilityGate contains the type of a Cluster condition to be used as availability gate.', { conditionType: str('conditionType refers to a condition with matching type in the Cluster\'s condition list.'), polarity: str('polarity of the conditionType specified in this availabilityGate: Positive (the default) or Negative.') }, true)),
      }),
      status: obj('status is the observed state of Cluster.', {
        phase: str('phase represents the current phase of cluster actuation: Pending, Provisioning, Provisioned, Deleting, Failed or Unknown.'),
        infrastructureReady: bool('infrastructureReady is the state of the infrastructure provider.'),
        controlPlaneReady: bool('controlPlaneReady denotes if the control plane became ready during initial provisioning to receive requests.'),
        failureDomains: { description: 'failureDomains is a slice of failure domain objects synced from the infrastructure provider.', type: 'object', additionalProperties: obj('FailureDomainSpec is the Schema for Cluster API failure domains.', { controlPlane: bool('controlPlane determines if this failure domain is suitable for use by control plane machines.'), attributes: strMap('attributes is a free form map of attributes an infrastructure provider might use or require.') }, true) },
        failureReason,
        failureMessage,
        conditions: capiConditions('conditions defines current service state of the cluster.'),
        observedGeneration: int64('observedGeneration is the latest generation observed by the controller.'),
        v1beta2: v1beta2Status('Cluster'),
      }),
    },
  }),
  MachineDeployment: () => ({
    description: 'MachineDeployment is the Schema for the machinedeployments API: it manages MachineSets to roll out changes to a group of Machines, as a Deployment does for Pods.',
    properties: {
      spec: obj('spec is the desired state of MachineDeployment.', {
        clusterName: str('clusterName is the name of the Cluster this object belongs to. Required.'),
        replicas: int32('replicas is the number of desired machines. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1 unless the autoscaler min/max size annotations are set.'),
        rolloutAfter: time('rolloutAfter is a field to indicate a rollout should be performed after the specified time even if no changes have been made to the MachineDeployment.'),
        selector: labelSelector('selector is the label selector for machines. Existing MachineSets whose machines are selected by this will be the ones affected by this deployment. It must match the machine template\'s labels.'),
        template: machineTemplate('template describes the machines that will be created.'),
        strategy: obj('strategy is the deployment strategy to use to replace existing machines with new ones.', {
          type: enumStr('type of deployment: RollingUpdate (the default) or OnDelete.', ['OnDelete', 'RollingUpdate']),
          rollingUpdate: obj('rollingUpdate is the rolling update config params. Present only if MachineDeploymentStrategyType = RollingUpdate.', {
            maxUnavailable: intOrString('maxUnavailable is the maximum number of machines that can be unavailable during the update, an absolute number or a percentage of desired machines. Defaults to 0.'),
            maxSurge: intOrString('maxSurge is the maximum number of machines that can be scheduled above the desired number of machines, an absolute number or a percentage. Defaults to 1.'),
            deletePolicy: enumStr('deletePolicy defines the policy used by the MachineDeployment to identify nodes to delete when downscaling: Random, Newest or Oldest. Defaults to Random.', ['Newest', 'Oldest', 'Random']),
          }, true),
          remediation: anyObj('remediation controls the strategy of remediating unhealthy machines.'),
        }),
        machineNamingStrategy,
        minReadySeconds: int32('minReadySeconds is the minimum number of seconds for which a Node for a newly created machine should be ready before considering the replica available. Defaults to 0.'),
        revisionHistoryLimit: int32('revisionHistoryLimit is the number of old MachineSets to retain to allow rollback. Defaults to 1. Deprecated.'),
        paused: bool('paused indicates that the deployment is paused.'),
        progressDeadlineSeconds: int32('progressDeadlineSeconds is the maximum time in seconds for a deployment to make progress before it is considered to be failed. Not yet implemented upstream.'),
      }),
      status: obj('status is the observed state of MachineDeployment.', {
        observedGeneration: int64('observedGeneration is the generation observed by the deployment controller.'),
        selector: str('selector is the same as the label selector but in the string format to avoid introspection by clients. It is used by the scale subresource.'),
        replicas: int32('replicas is the total number of non-terminated machines targeted by this deployment (their labels match the selector).'),
        updatedReplicas: int32('updatedReplicas is the total number of non-terminated machines targeted by this deployment that have the desired template spec.'),
        readyReplicas: int32('readyReplicas is the total number of ready machines targeted by this deployment.'),
        availableReplicas: int32('availableReplicas is the total number of available machines (ready for at least minReadySeconds) targeted by this deployment.'),
        unavailableReplicas: int32('unavailableReplicas is the total number of unavailable machines targeted by this deployment.'),
        phase: str('phase represents the current phase of a MachineDeployment: ScalingUp, ScalingDown, Running, Failed or Unknown.'),
        conditions: capiConditions('conditions defines current service state of the MachineDeployment.'),
        v1beta2: v1beta2Status('MachineDeployment'),
      }),
    },
  }),
  MachineSet: () => ({
    description: 'MachineSet is the Schema for the machinesets API: it ensures that a specified number of Machines matching its selector exist, creating them from its template.',
    properties: {
      spec: obj('spec is the desired state of MachineSet.', {
        clusterName: str('clusterName is the name of the Cluster this object belongs to. Required.'),
        replicas: int32('replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1 unless the autoscaler min/max size annotations are set.'),
        minReadySeconds: int32('minReadySeconds is the minimum number of seconds for which a Node for a newly created machine should be ready before considering the replica available. Defaults to 0.'),
        deletePolicy: enumStr('deletePolicy defines the policy used to identify nodes to delete when downscaling: Random, Newest or Oldest. Defaults to Random.', ['Newest', 'Oldest', 'Random']),
        selector: labelSelector('selector is a label query over machines that should match the replica count. Label keys and values that must match in order to be controlled by this MachineSet. It must match the machine template\'s labels.'),
        template: machineTemplate('template is the object that describes the machine that will be created if insufficient replicas are detected. Object references to custom resources are treated as templates.'),
        machineNamingStrategy,
      }),
      status: obj('status is the observed state of MachineSet.', {
        selector: str('selector is the same as the label selector but in the string format to avoid introspection by clients. It is used by the scale subresource.'),
        replicas: int32('replicas is the most recently observed number of replicas.'),
        fullyLabeledReplicas: int32('fullyLabeledReplicas is the number of replicas that have labels matching the labels of the machine template of the MachineSet.'),
        readyReplicas: int32('readyReplicas is the number of ready replicas for this MachineSet. A machine is considered ready when the node has been created and is "Ready".'),
        availableReplicas: int32('availableReplicas is the number of available replicas (ready for at least minReadySeconds) for this MachineSet.'),
        observedGeneration: int64('observedGeneration reflects the generation of the most recently observed MachineSet.'),
        failureReason,
        failureMessage,
        conditions: capiConditions('conditions defines current service state of the MachineSet.'),
        v1beta2: v1beta2Status('MachineSet'),
      }),
    },
  }),
  Machine: () => ({
    description: 'Machine is the Schema for the machines API: one host (a Node once it joins) in a Cluster, backed by an infrastructure machine and a bootstrap configuration.',
    properties: {
      spec: machineSpec('spec is the desired state of Machine.'),
      status: obj('status is the observed state of Machine.', {
        nodeRef: capiObjectReference('nodeRef will point to the corresponding Node if it exists.'),
        nodeInfo: anyObj('nodeInfo is a set of ids/uuids to uniquely identify the node.'),
        lastUpdated: time('lastUpdated identifies when the phase of the Machine last transitioned.'),
        failureReason,
        failureMessage,
        addresses: addresses('addresses is a list of addresses assigned to the machine. This field is copied from the infrastructure provider reference.'),
        phase: str('phase represents the current phase of machine actuation: Pending, Provisioning, Provisioned, Running, Deleting, Deleted, Failed or Unknown.'),
        certificatesExpiryDate: time('certificatesExpiryDate is the expiry date of the machine certificates. This value is only set for control plane machines.'),
        bootstrapReady: bool('bootstrapReady is the state of the bootstrap provider.'),
        infrastructureReady: bool('infrastructureReady is the state of the infrastructure provider.'),
        observedGeneration: int64('observedGeneration is the latest generation observed by the controller.'),
        conditions: capiConditions('conditions defines current service state of the Machine.'),
        deletion: obj('deletion contains information relating to removal of the Machine. Only present when the Machine has a deletionTimestamp and drain or wait for volume detach started.', { nodeDrainStartTime: time('nodeDrainStartTime is the time when the drain of the node started.'), waitForNodeVolumeDetachStartTime: time('waitForNodeVolumeDetachStartTime is the time when waiting for volume detachment started.') }, true),
        v1beta2: v1beta2Status('Machine'),
      }),
    },
  }),
};

const templateSpec = (what: string): Schema =>
  obj(`spec is the desired state of the ${what}.`, { template: obj(`template is the ${what.replace(/Template$/, '')} template used to create new objects.`, { metadata: anyObj('Standard object\'s metadata.'), spec: anyObj('spec is the specification of the objects created from this template.') }) });

const capdKinds: Record<string, KindDocFn> = {
  DockerCluster: () => ({
    description: 'DockerCluster is the Schema for the Docker clusters API of the Cluster API Docker provider (CAPD): the infrastructure of a Cluster made of containers.',
    properties: {
      spec: obj('spec is the desired state of DockerCluster.', {
        controlPlaneEndpoint: obj('controlPlaneEndpoint represents the endpoint used to communicate with the control plane.', { host: str('host is the hostname on which the API server is serving.'), port: int32('port is the port on which the API server is serving.') }, true),
        failureDomains: anyObj('failureDomains are usually not defined in the spec; the Docker provider is the system of record for failure domains.'),
        loadBalancer: anyObj('loadBalancer allows defining configurations for the cluster load balancer.'),
      }),
      status: obj('status is the observed state of DockerCluster.', {
        ready: bool('ready denotes that the Docker cluster (infrastructure) is ready.'),
        failureDomains: anyObj('failureDomains don\'t mean much in CAPD since it\'s all local, but they can be used for testing purposes.'),
        conditions: capiConditions('conditions defines current service state of the DockerCluster.'),
      }),
    },
  }),
  DockerMachine: () => ({
    description: 'DockerMachine is the Schema for the Docker machines API of the Cluster API Docker provider (CAPD): the container that backs a Machine.',
    properties: {
      spec: obj('spec is the desired state of DockerMachine.', {
        providerID: str('providerID will be the container name in ProviderID format (docker:////<containername>).'),
        customImage: str('customImage allows customizing the container image that is used for running the machine.'),
        preLoadImages: strList('preLoadImages allows to pre-load images in a newly created machine.'),
        extraMounts: list('extraMounts describes additional mount points for the node container.', anyObj('Mount specifies a host volume to mount into a container.')),
        bootstrapped: bool('bootstrapped is true when the kubeadm bootstrapping has been run against this machine. Deprecated.'),
      }),
      status: obj('status is the observed state of DockerMachine.', {
        ready: bool('ready denotes that the machine (docker container) is ready.'),
        loadBalancerConfigured: bool('loadBalancerConfigured denotes that the machine has been added to the load balancer.'),
        addresses: addresses('addresses contains the associated addresses for the docker machine.'),
        conditions: capiConditions('conditions defines current service state of the DockerMachine.'),
      }),
    },
  }),
  DockerMachineTemplate: () => ({
    description: 'DockerMachineTemplate is the Schema for the Docker machine templates API: the template DockerMachines are created from.',
    properties: { spec: templateSpec('DockerMachineTemplate') },
  }),
};

const kubeadmBootstrapKinds: Record<string, KindDocFn> = {
  KubeadmConfig: () => ({
    description: 'KubeadmConfig is the Schema for the kubeadmconfigs API: the kubeadm configuration and the commands that bootstrap one Machine.',
    properties: {
      spec: obj('spec is the desired state of KubeadmConfig.', {
        clusterConfiguration: anyObj('clusterConfiguration along with InitConfiguration are the configurations necessary for the init command.'),
        initConfiguration: anyObj('initConfiguration along with ClusterConfiguration are the configurations necessary for the init command.'),
        joinConfiguration: anyObj('joinConfiguration is the kubeadm configuration for the join command.'),
        files: list('files specifies extra files to be passed to user_data upon creation.', anyObj('File defines the input for generating write_files in cloud-init.')),
        preKubeadmCommands: strList('preKubeadmCommands specifies extra commands to run before kubeadm runs.'),
        postKubeadmCommands: strList('postKubeadmCommands specifies extra commands to run after kubeadm runs.'),
        users: list('users specifies extra users to add.', anyObj('User defines the input for a generated user in cloud-init.')),
        format: enumStr('format specifies the output format of the bootstrap data.', ['cloud-config', 'ignition']),
      }),
      status: obj('status is the observed state of KubeadmConfig.', {
        ready: bool('ready indicates the BootstrapData field is ready to be consumed.'),
        dataSecretName: str('dataSecretName is the name of the secret that stores the bootstrap data script.'),
        failureReason,
        failureMessage,
        observedGeneration: int64('observedGeneration is the latest generation observed by the controller.'),
        conditions: capiConditions('conditions defines current service state of the KubeadmConfig.'),
      }),
    },
  }),
  KubeadmConfigTemplate: () => ({
    description: 'KubeadmConfigTemplate is the Schema for the kubeadmconfigtemplates API: the template KubeadmConfigs are created from.',
    properties: { spec: templateSpec('KubeadmConfigTemplate') },
  }),
};

// capsule.clastix.io v1beta2

const additionalMetadata = (description: string): Schema =>
  obj(description, { labels: strMap('Labels to add.'), annotations: strMap('Annotations to add.') }, true);

const capsuleKinds: Record<string, KindDocFn> = {
  Tenant: () => ({
    description: 'Tenant is the Schema for the tenants API: a group of namespaces owned by users, groups or service accounts, with the policies Capsule enforces across them.',
    properties: {
      spec: obj('TenantSpec defines the desired state of Tenant.', {
        owners: list(
          'Specifies the owners of the Tenant. Mandatory.',
          obj('OwnerSpec defines a Tenant owner.', {
            kind: enumStr('Kind of tenant owner. Possible values are "User", "Group", and "ServiceAccount".', ['Group', 'ServiceAccount', 'User']),
            name: str('Name of tenant owner.'),
            clusterRoles: strList('Defines additional cluster-roles for the specific Owner. Defaults to admin and capsule-namespace-deleter.'),
            proxySettings: list('Proxy settings for tenant owner.', anyObj('ProxySettings')),
          }),
        ),
        namespaceOptions: obj('Specifies options for the Namespaces, such as additional metadata or maximum number of namespaces allowed for that Tenant. Once the namespace quota assigned to the Tenant has been reached, the Tenant owner cannot create further namespaces. Optional.', {
          quota: int32('Specifies the maximum number of namespaces allowed for that Tenant. Once the namespace quota assigned to the Tenant has been reached, the Tenant owner cannot create further namespaces. Optional.'),
          additionalMetadata: additionalMetadata('Specifies additional labels and annotations the Capsule operator places on any Namespace resource in the Tenant. Optional.'),
          forbiddenLabels: anyObj('Define the labels that a Tenant Owner cannot set for their Namespace resources.'),
          forbiddenAnnotations: anyObj('Define the annotations that a Tenant Owner cannot set for their Namespace resources.'),
        }),
        nodeSelector: strMap('Specifies the label to control the placement of pods on a given pool of worker nodes. All namespaces created within the Tenant will have the node selector annotation. Optional.'),
        serviceOptions: anyObj('Specifies options for the Service, such as additional metadata or block of certain type of Services. Optional.'),
        storageClasses: anyObj('Specifies the allowed StorageClasses assigned to the Tenant. Optional.'),
        ingressOptions: anyObj('Specifies options for the Ingress resources, such as allowed hostnames and IngressClass. Optional.'),
        containerRegistries: anyObj('Specifies the trusted Image Registries assigned to the Tenant. Optional.'),
        networkPolicies: anyObj('Specifies the NetworkPolicies assigned to the Tenant. Optional.'),
        limitRanges: anyObj('Specifies the resource min/max usage restrictions to the Tenant. Optional.'),
        resourceQuotas: obj('Specifies a list of ResourceQuota resources assigned to the Tenant. Optional.', {
          scope: enumStr('Define if the Resource Budget should compute resource across all Namespaces in the Tenant or individually per cluster. Default is Tenant.', ['Namespace', 'Tenant']),
          items: list('ResourceQuotaSpec items.', anyObj('ResourceQuotaSpec defines the desired hard limits to enforce for Quota.')),
        }),
        additionalRoleBindings: list('Specifies additional RoleBindings assigned to the Tenant. Optional.', anyObj('AdditionalRoleBindingsSpec')),
        imagePullPolicies: strList('Specify the allowed values for the imagePullPolicies option in Pod resources. Capsule assures that all Pod resources created in the Tenant can use only one of the allowed policy. Optional.'),
        priorityClasses: anyObj('Specifies the allowed priorityClasses assigned to the Tenant. Optional.'),
        runtimeClasses: anyObj('Specifies the allowed RuntimeClasses assigned to the Tenant. Optional.'),
        cordoned: bool('Toggling the Tenant resources cordoning, when enabled resources cannot be created, updated or deleted. Default is false.'),
        preventDeletion: bool('Prevent accidental deletion of the Tenant. When enabled, the deletion request will be declined. Default is false.'),
      }),
      status: obj('Returns the observed state of the Tenant.', {
        state: enumStr('The operational state of the Tenant. Possible values are "Active", "Cordoned".', ['Active', 'Cordoned']),
        size: int32('How many namespaces are assigned to the Tenant.'),
        namespaces: strList('List of namespaces assigned to the Tenant.'),
      }),
    },
  }),
  GlobalTenantResource: () => ({
    description: 'GlobalTenantResource allows to propagate resource replications to a specific subset of Tenant resources.',
    properties: {
      spec: obj('GlobalTenantResourceSpec defines the desired state of GlobalTenantResource.', {
        tenantSelector: labelSelector('Defines the Tenant selector used to target the tenants on which resources must be propagated.'),
        resyncPeriod: duration('Define the period of time upon a second reconciliation must be invoked. Keep in mind that any change to the manifests will trigger a new reconciliation. Default is 60s.'),
        pruningOnDelete: bool('When the replicated resource manifest is deleted, all the objects replicated so far are automatically deleted. Disable this to keep replicated resources although the deletion of the replication manifest. Default is true.'),
        resources: list(
          'Defines the rules to select targeting Namespace, along with the objects that must be replicated.',
          obj('ResourceSpec', {
            namespaceSelector: labelSelector('Defines the Namespace selector to select the Tenant Namespaces on which the resources must be propagated. In case of nil value, all the Tenant Namespaces are targeted.'),
            additionalMetadata: additionalMetadata('Besides the Capsule metadata required by TenantResource controller, defines additional metadata that must be added to the replicated resources.'),
            namespacedItems: list(
              'List of the resources already existing in other Namespaces that must be replicated.',
              obj('ObjectReference', {
                apiVersion: str('API version of the referent.'),
                kind: str('Kind of the referent.'),
                namespace: str('Namespace of the referent.'),
                selector: labelSelector('Label selector used to select the given resources in the given Namespace.'),
              }),
            ),
            rawItems: list('List of raw resources that must be replicated.', anyObj('A raw Kubernetes object.')),
          }),
        ),
      }),
      status: obj('GlobalTenantResourceStatus defines the observed state of GlobalTenantResource.', {
        selectedTenants: strList('List of Tenants addressed by the GlobalTenantResource.'),
        processedItems: list(
          'List of the replicated resources for the given TenantResource.',
          obj('ObjectReferenceStatus', {
            apiVersion: str('API version of the referent.'),
            kind: str('Kind of the referent.'),
            namespace: str('Namespace of the referent.'),
            name: str('Name of the referent.'),
            tenant: str('Tenant of the referent.'),
          }),
        ),
      }),
    },
  }),
};

// apiextensions.k8s.io

const apiextensionsKinds: Record<string, KindDocFn> = {
  CustomResourceDefinition: (c, p) => ({
    description: 'CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.',
    properties: {
      spec: c.ref(`${p}.CustomResourceDefinitionSpec`, 'spec describes how the user wants the resources to appear', () =>
        obj('CustomResourceDefinitionSpec describes how a user wants their resource to appear', {
          group: str('group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
          names: obj('names specify the resource and kind names for the custom resource.', {
            plural: str('plural is the plural name of the resource to serve, used in `/apis/<group>/<version>/.../<plural>`. Must be all lowercase.'),
            singular: str('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
            kind: str('kind is the serialized kind of the resource. It is normally CamelCase and singular.'),
            listKind: str('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
            shortNames: strList('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`.'),
            categories: strList('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\'), used by clients to support invocations like `kubectl get all`.'),
          }, true),
          scope: enumStr('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.', ['Cluster', 'Namespaced']),
          versions: list(
            'versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery.',
            obj('CustomResourceDefinitionVersion describes a version for CRD.', {
              name: str('name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
              served: bool('served is a flag enabling/disabling this version from being served via REST APIs'),
              storage: bool('storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
              deprecated: bool('deprecated indicates this version of the custom resource API is deprecated.'),
              schema: anyObj('schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource (openAPIV3Schema).'),
              subresources: anyObj('subresources specify what subresources this version of the defined custom resource have: status and scale.'),
              additionalPrinterColumns: list('additionalPrinterColumns specifies additional columns returned in Table output. If no columns are specified, a single column displaying the age of the custom resource is used.', anyObj('CustomResourceColumnDefinition specifies a column for server side printing.')),
              selectableFields: list('selectableFields specifies paths to fields that may be used as field selectors.', anyObj('SelectableField specifies the JSON path of a field that may be used with field selectors.')),
            }),
          ),
          conversion: anyObj('conversion defines conversion settings for the CRD.'),
          preserveUnknownFields: bool('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. Deprecated: must be false for apiextensions.k8s.io/v1.'),
        }),
      ),
      status: c.ref(`${p}.CustomResourceDefinitionStatus`, 'status indicates the actual state of the CustomResourceDefinition', () =>
        obj('CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition', {
          conditions: list('conditions indicate state for particular aspects of a CustomResourceDefinition, such as Established and NamesAccepted.', anyObj('CustomResourceDefinitionCondition contains details for the current condition of this CustomResourceDefinition.')),
          acceptedNames: anyObj('acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
          storedVersions: strList('storedVersions lists all versions of CustomResources that were ever persisted.'),
        }),
      ),
    },
  }),
};

const kindDocs: Record<string, Record<string, KindDocFn>> = {
  'apiextensions.k8s.io': apiextensionsKinds,
  '': coreKinds,
  'events.k8s.io': eventsKinds,
  'resource.k8s.io': resourceKinds,
  'cluster.x-k8s.io': capiKinds,
  'infrastructure.cluster.x-k8s.io': capdKinds,
  'bootstrap.cluster.x-k8s.io': kubeadmBootstrapKinds,
  'capsule.clastix.io': capsuleKinds,
};

/** A field's schema from its protobuf descriptor: the JSON type, nested objects left open. */
function fieldSchema(f: Pick<FieldDesc, 'type' | 'mapValue'>, description: string): Schema {
  if (f.mapValue !== undefined) return { description, type: 'object', additionalProperties: f.mapValue === 'string' ? { type: 'string', default: '' } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  switch (f.type) {
    case 'string':
      return str(description);
    case 'bytes':
      return str(description, { format: 'byte' });
    case 'bool':
      return bool(description);
    case 'int32':
      return int32(description);
    case 'int64':
      return int64(description);
    case 'double':
    case 'float':
      return { description, type: 'number', format: 'double' };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return intOrString(description);
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { description, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
    case `${metaPrefix.replace(/^io\.k8s\./, 'k8s.io.')}.Time`:
      return time(description);
    default:
      return anyObj(description);
  }
}

/** A built-in kind without a written description: its top-level fields from the protobuf descriptors. */
function descriptorDoc(k: KindInfo): KindDoc | undefined {
  const fields = kindFieldList(k.group, k.version, k.kind);
  if (!fields) return undefined;
  const properties: Record<string, Schema> = {};
  for (const f of fields) {
    if (f.json === 'metadata') continue;
    const description = `${f.json} of the ${k.kind}.`;
    if (!f.repeated) {
      properties[f.json] = fieldSchema(f, description);
      continue;
    }
    const { description: _unused, ...items } = fieldSchema(f, '');
    properties[f.json] = list(description, items);
  }
  return { description: `${k.kind} is a built-in kind served as ${k.group ? `${k.plural}.${k.group}` : k.plural}.`, properties };
}

/** Kinds with no description of their own (custom resources defined at run time): spec and status, open. */
function genericDoc(k: KindInfo): KindDoc {
  const res = k.group ? `${k.plural}.${k.group}` : k.plural;
  const fromDescriptors = k.builtin ? descriptorDoc(k) : undefined;
  if (fromDescriptors) return fromDescriptors;
  return {
    description: `${k.kind} is ${k.builtin ? 'a built-in kind' : 'a custom resource'} served as ${res}.`,
    properties: {
      spec: anyObj(`spec is the desired state of the ${k.kind}.`),
      status: anyObj(`status is the observed state of the ${k.kind}, written by its controllers through the status subresource.`),
    },
  };
}

function kindSchema(c: Components, k: KindInfo): Schema {
  const fn = kindDocs[k.group]?.[k.kind];
  const doc = fn ? fn(c, schemaPrefixFor(k)) : genericDoc(k);
  return {
    description: doc.description,
    type: 'object',
    properties: { apiVersion: apiVersionProp, kind: kindProp, metadata: objectMetaRef(c), ...doc.properties },
    'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.kind }],
  };
}

function listSchema(c: Components, k: KindInfo): Schema {
  return {
    description: `${k.listKind} is a list of ${k.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: apiVersionProp,
      items: { description: `List of ${k.plural}.`, type: 'array', items: { default: {}, allOf: [{ $ref: refPath(schemaNameFor(k)) }] } },
      kind: kindProp,
      metadata: listMetaRef(c),
    },
    'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.listKind }],
  };
}

function scaleSchema(c: Components): Schema {
  return {
    description: 'Scale represents a scaling request for a resource.',
    type: 'object',
    properties: {
      apiVersion: apiVersionProp,
      kind: kindProp,
      metadata: objectMetaRef(c),
      spec: obj('spec defines the behavior of the scale.', { replicas: int32('replicas is the desired number of instances for the scaled object.') }, true),
      status: obj('status is the current status of the scale. Read-only.', { replicas: int32('replicas is the actual number of observed instances of the scaled object.'), selector: str('selector is the label query over pods (or machines) that should match the replicas count, in the string form of a label selector.') }, true),
    },
    'x-kubernetes-group-version-kind': [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }],
  };
}

// ---------------------------------------------------------------------------------------------------
// Paths and operations.

const qp = (name: string, description: string, type: 'string' | 'integer' | 'boolean' = 'string'): Schema => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const pretty = qp('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");
const dryRun = qp('dryRun', 'When present, indicates that modifications should not be persisted. The only valid value is "All": all dry run stages will be processed.');
const fieldManager = qp('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. Required for apply requests (application/apply-patch).');
const fieldValidation = qp('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn (the default) or Strict.');
const force = qp('force', 'Force is going to "force" Apply requests: re-acquire conflicting fields owned by other people. Must be unset for non-apply patch requests.', 'boolean');
const listParams = [
  qp('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  qp('continue', 'The continue option should be set when retrieving more results from the server, with the value from the previous list\'s metadata.continue.'),
  qp('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  qp('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  qp('limit', 'limit is a maximum number of responses to return for a list call; more results are available through continue.', 'integer'),
  qp('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.'),
  qp('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls: NotOlderThan or Exact.'),
  qp('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true to begin the watch stream with synthetic events of the current state.', 'boolean'),
  qp('timeoutSeconds', 'Timeout for the list/watch call, regardless of any activity or inactivity.', 'integer'),
  qp('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
];
const deleteParams = [
  dryRun,
  qp('gracePeriodSeconds', 'The duration in seconds before the object should be deleted. Zero means delete immediately.', 'integer'),
  qp('ignoreStoreReadErrorWithClusterBreakingPotential', 'If set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.', 'boolean'),
  qp('orphanDependents', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.', 'boolean'),
  qp('propagationPolicy', "Whether and how garbage collection will be performed: 'Orphan', 'Background' (the default) or 'Foreground'."),
];

const pathParam = (name: string, description: string): Schema => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

const bodyContent = (schema: Schema, types: string[]): Schema => Object.fromEntries(types.map((t) => [t, { schema }]));
const responseTypes = ['application/json'];
const response = (description: string, schema: Schema): Schema => ({ description, content: bodyContent(schema, responseTypes) });

/** The PATCH content types offered: no strategic-merge-patch+json (see the header comment). */
export const openapiPatchContentTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function camel(s: string): string {
  return s
    .split(/[.-]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function groupTag(k: KindInfo): string {
  const g = k.builtin ? (k.group ? (k.group.split('.')[0] ?? k.group) : 'core') : k.group;
  const c = camel(g);
  return `${c[0]!.toLowerCase()}${c.slice(1)}_${k.version}`;
}

function pathsFor(c: Components, k: KindInfo, out: Record<string, Schema>): void {
  const prefix = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  const gvk: GVK = { group: k.group, version: k.version, kind: k.kind };
  const scaleGvk: GVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  const self = c.plain(schemaNameFor(k), () => kindSchema(c, k));
  const selfList = c.plain(schemaNameFor(k, k.listKind), () => listSchema(c, k));
  const status = c.plain(`${metaPrefix}.Status`, () => ({}));
  const patchBody = c.plain(`${metaPrefix}.Patch`, () => ({}));
  const deleteBody = c.plain(`${metaPrefix}.DeleteOptions`, () => ({}));
  const tag = groupTag(k);
  const opBase = `${camel(k.group ? (k.builtin ? (k.group.split('.')[0] ?? k.group) : k.group) : 'core')}${camel(k.version)}`;
  const ns = k.namespaced ? 'Namespaced' : '';
  const nsParams = k.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = pathParam('name', `name of the ${k.kind}`);
  const unauthorized = { description: 'Unauthorized' };

  const op = (verb: string, action: string, description: string, o: { g?: GVK; params?: Schema[]; body?: Schema; responses: Schema; sub?: string; forAll?: boolean }): Schema => ({
    tags: [tag],
    description,
    operationId: `${verb}${opBase}${o.forAll ? '' : ns}${k.kind}${o.sub ?? ''}${o.forAll ? 'ForAllNamespaces' : ''}`,
    ...(o.params?.length ? { parameters: o.params } : {}),
    ...(o.body ? { requestBody: o.body } : {}),
    responses: { ...o.responses, '401': unauthorized },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { ...(o.g ?? gvk) },
  });
  const writeBody = (schema: Schema): Schema => ({ content: bodyContent(schema, ['*/*']), required: true });
  const patchRequest: Schema = { content: bodyContent(patchBody, openapiPatchContentTypes), required: true };
  const a = /^[AEIOU]/.test(k.kind) ? 'an' : 'a';

  const collection = k.namespaced ? `${prefix}/namespaces/{namespace}/${k.plural}` : `${prefix}/${k.plural}`;
  // Only the verbs the resource serves (the reviews are create-only), as the installer registers them.
  const verbs = new Set(verbsOf(k));
  out[collection] = {
    ...(verbs.has('list') ? { get: op('list', 'list', `list or watch objects of kind ${k.kind}`, { params: listParams, responses: { '200': response('OK', selfList) } }) } : {}),
    post: op('create', 'post', `create ${a} ${k.kind}`, {
      params: [dryRun, fieldManager, fieldValidation],
      body: writeBody(self),
      responses: { '200': response('OK', self), '201': response('Created', self), '202': response('Accepted', self) },
    }),
    ...(verbs.has('deletecollection')
      ? {
          delete: op('deletecollection', 'deletecollection', `delete collection of ${k.kind}`, {
            params: [...deleteParams, ...listParams.filter((p) => p['name'] !== 'watch' && p['name'] !== 'allowWatchBookmarks')],
            body: { content: bodyContent(deleteBody, ['*/*']) },
            responses: { '200': response('OK', status) },
          }),
        }
      : {}),
    parameters: [...nsParams, pretty],
  };
  if (verbs.has('get')) out[`${collection}/{name}`] = {
    get: op('read', 'get', `read the specified ${k.kind}`, { responses: { '200': response('OK', self) } }),
    put: op('replace', 'put', `replace the specified ${k.kind}`, {
      params: [dryRun, fieldManager, fieldValidation],
      body: writeBody(self),
      responses: { '200': response('OK', self), '201': response('Created', self) },
    }),
    delete: op('delete', 'delete', `delete ${a} ${k.kind}`, {
      params: deleteParams,
      body: { content: bodyContent(deleteBody, ['*/*']) },
      responses: { '200': response('OK', self), '202': response('Accepted', self) },
    }),
    patch: op('patch', 'patch', `partially update the specified ${k.kind}`, {
      params: [dryRun, fieldManager, fieldValidation, force],
      body: patchRequest,
      responses: { '200': response('OK', self), '201': response('Created', self) },
    }),
    parameters: [nameParam, ...nsParams, pretty],
  };
  if (k.namespaced && verbs.has('list')) {
    out[`${prefix}/${k.plural}`] = {
      get: op('list', 'list', `list or watch objects of kind ${k.kind}`, { forAll: true, params: listParams, responses: { '200': response('OK', selfList) } }),
      parameters: [pretty],
    };
  }
  const subresource = (sub: string, g: GVK, schema: Schema): void => {
    const Sub = camel(sub);
    out[`${collection}/{name}/${sub}`] = {
      get: op('read', 'get', `read ${sub} of the specified ${k.kind}`, { g, sub: Sub, responses: { '200': response('OK', schema) } }),
      put: op('replace', 'put', `replace ${sub} of the specified ${k.kind}`, {
        g,
        sub: Sub,
        params: [dryRun, fieldManager, fieldValidation],
        body: writeBody(schema),
        responses: { '200': response('OK', schema), '201': response('Created', schema) },
      }),
      patch: op('patch', 'patch', `partially update ${sub} of the specified ${k.kind}`, {
        g,
        sub: Sub,
        params: [dryRun, fieldManager, fieldValidation, force],
        body: patchRequest,
        responses: { '200': response('OK', schema), '201': response('Created', schema) },
      }),
      parameters: [nameParam, ...nsParams, pretty],
    };
  };
  if (k.subresources.status) subresource('status', gvk, self);
  if (k.subresources.scale) subresource('scale', scaleGvk, c.plain(scaleName, () => scaleSchema(c)));
}

function buildGroupVersion(kinds: readonly KindInfo[], group: string, version: string): OpenAPIDocument | undefined {
  const mine = kinds.filter((k) => k.group === group && k.version === version);
  if (mine.length === 0) return undefined;
  const c = new Components();
  metaSchemas(c);
  const paths: Record<string, Schema> = {};
  for (const k of mine) pathsFor(c, k, paths);
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]!]));
  const schemas = Object.fromEntries(Object.keys(c.schemas).sort().map((n) => [n, c.schemas[n]!]));
  const builtin = mine.some((k) => k.builtin);
  return {
    openapi: '3.0.0',
    info: builtin ? { title: 'Kubernetes', version: 'v1.32.4' } : { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths: sortedPaths,
    components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
  };
}

// ---------------------------------------------------------------------------------------------------
// Hashes, caching and the exported API.

/** The hash in `?hash=`: uppercase hex sha512 of the document's JSON, as kube-openapi's handler3 computes it. */
export function openapiHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

interface Built {
  doc: OpenAPIDocument;
  hash: string;
}

interface CacheEntry {
  docs: Map<string, Built | undefined>;
  root?: OpenAPIRoot;
}

/** Results per content of the kinds table (callers often pass a fresh array each time); a few recent tables. */
const cache = new Map<string, CacheEntry>();
const cacheEntries = 8;

function entryFor(kinds: readonly KindInfo[]): CacheEntry {
  const key = JSON.stringify(kinds);
  let e = cache.get(key);
  if (e) {
    cache.delete(key);
    cache.set(key, e); // most recently used last
    return e;
  }
  e = { docs: new Map() };
  cache.set(key, e);
  while (cache.size > cacheEntries) cache.delete(cache.keys().next().value!);
  return e;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

function built(kinds: readonly KindInfo[], group: string, version: string, e: CacheEntry = entryFor(kinds)): Built | undefined {
  const key = openapiGroupVersionPath(group, version);
  if (!e.docs.has(key)) {
    const doc = buildGroupVersion(kinds, group, version);
    e.docs.set(key, doc ? { doc: deepFreeze(doc), hash: openapiHash(doc) } : undefined);
  }
  return e.docs.get(key);
}

/** The OpenAPI v3 document of one group-version, or undefined when no kind is served there. Frozen and shared. */
export function openapiGroupVersion(kinds: readonly KindInfo[], group: string, version: string): OpenAPIDocument | undefined {
  return built(kinds, group, version)?.doc;
}

/** The document and its hash for a path such as `api/v1`, `apis/cluster.x-k8s.io/v1beta1` or `/openapi/v3/api/v1`. */
export function openapiForPath(kinds: readonly KindInfo[], path: string): { doc: OpenAPIDocument; hash: string } | undefined {
  const gv = parseOpenapiGroupVersionPath(path);
  return gv ? built(kinds, gv.group, gv.version) : undefined;
}

/** `GET /openapi/v3`: every served group-version, custom resource groups included, each URL carrying its document's hash. */
export function openapiRoot(kinds: readonly KindInfo[]): OpenAPIRoot {
  const e = entryFor(kinds);
  if (!e.root) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const g of groupsOf(kinds)) {
      for (const v of g.versions) {
        const b = built(kinds, g.group, v, e);
        if (!b) continue;
        const key = openapiGroupVersionPath(g.group, v);
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${b.hash}` };
      }
    }
    e.root = deepFreeze({ paths });
  }
  return e.root;
}
