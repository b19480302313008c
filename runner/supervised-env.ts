/** Set in the child `quickcd runner` starts under its supervisor: the process that runs the handlers. */
export const SUPERVISED_ENV = 'QUICKCD_RUNNER_SUPERVISED';
