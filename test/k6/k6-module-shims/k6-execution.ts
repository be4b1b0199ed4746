import { currentVu } from './vu-context.ts';

/** k6/execution's views of the running iteration, read from the VU context. */
export const vu = {
  get idInTest() {
    return currentVu().vuId;
  },
  get idInInstance() {
    return currentVu().vuId;
  },
  get iterationInScenario() {
    return currentVu().iterationInScenario;
  },
  get iterationInInstance() {
    return currentVu().iterationInScenario;
  },
  tags: {},
};

export const scenario = {
  get name() {
    return currentVu().scenario.name;
  },
  get executor() {
    return currentVu().scenario.executor;
  },
  get startTime() {
    return currentVu().scenario.startTime;
  },
  get iterationInTest() {
    return currentVu().iterationInTest;
  },
  get iterationInInstance() {
    return currentVu().iterationInTest;
  },
};

export const test = {
  abort(reason = 'test aborted'): never {
    throw new Error(`k6 shim: exec.test.abort(): ${reason}`);
  },
};
