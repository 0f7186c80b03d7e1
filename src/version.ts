/** dssm's own version. */
export const DSSM_VERSION = '0.1.0';
/** The Redis version dssm answers as (INFO redis_version, HELLO): the one whose behaviour it matches. */
export const REDIS_COMPAT_VERSION = '7.0.15';
