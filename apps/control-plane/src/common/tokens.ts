/** Injection tokens of the runtime the control plane is built with. */
export const CONFIG = Symbol('MqcConfig');
export const LOGGER = Symbol('Logger');
export const REDIS = Symbol('Redis');
export const CHANGE_BUS = Symbol('ChangeBus');
export const JOB_PRODUCER = Symbol('JobProducer');
export const SECRET_BOX = Symbol('SecretBox');
export const METRICS = Symbol('MetricsRegistry');
