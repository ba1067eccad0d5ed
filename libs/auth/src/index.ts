export * from './chain/authenticator';
export * from './chain/connack-codes';
export * from './chain/chain-metrics';
export * from './chain/run-chain';
