export { freePort } from '@quotaflow/devstack';
