// Every package the protobuf decoder knows (written by ../generate.ts).
import * as api_apps_v1 from './api_apps_v1.ts';
import * as api_authentication_v1 from './api_authentication_v1.ts';
import * as api_authorization_v1 from './api_authorization_v1.ts';
import * as api_autoscaling_v1 from './api_autoscaling_v1.ts';
import * as api_batch_v1 from './api_batch_v1.ts';
import * as api_coordination_v1 from './api_coordination_v1.ts';
import * as api_core_v1 from './api_core_v1.ts';
import * as api_discovery_v1 from './api_discovery_v1.ts';
import * as api_events_v1 from './api_events_v1.ts';
import * as api_networking_v1 from './api_networking_v1.ts';
import * as api_policy_v1 from './api_policy_v1.ts';
import * as api_rbac_v1 from './api_rbac_v1.ts';
import * as api_resource_v1alpha3 from './api_resource_v1alpha3.ts';
import * as api_resource_v1beta1 from './api_resource_v1beta1.ts';
import * as api_scheduling_v1 from './api_scheduling_v1.ts';
import * as api_storage_v1 from './api_storage_v1.ts';
import * as apiextensions_apiserver_pkg_apis_apiextensions_v1 from './apiextensions_apiserver_pkg_apis_apiextensions_v1.ts';
import * as apimachinery_pkg_api_resource from './apimachinery_pkg_api_resource.ts';
import * as apimachinery_pkg_apis_meta_v1 from './apimachinery_pkg_apis_meta_v1.ts';
import * as apimachinery_pkg_runtime from './apimachinery_pkg_runtime.ts';
import * as apimachinery_pkg_util_intstr from './apimachinery_pkg_util_intstr.ts';
import * as kube_aggregator_pkg_apis_apiregistration_v1 from './kube_aggregator_pkg_apis_apiregistration_v1.ts';

export const packages: readonly { pkg: string; messages: Record<string, string> }[] = [
  api_apps_v1,
  api_authentication_v1,
  api_authorization_v1,
  api_autoscaling_v1,
  api_batch_v1,
  api_coordination_v1,
  api_core_v1,
  api_discovery_v1,
  api_events_v1,
  api_networking_v1,
  api_policy_v1,
  api_rbac_v1,
  api_resource_v1alpha3,
  api_resource_v1beta1,
  api_scheduling_v1,
  api_storage_v1,
  apiextensions_apiserver_pkg_apis_apiextensions_v1,
  apimachinery_pkg_api_resource,
  apimachinery_pkg_apis_meta_v1,
  apimachinery_pkg_runtime,
  apimachinery_pkg_util_intstr,
  kube_aggregator_pkg_apis_apiregistration_v1,
];
