// Runbook 1's bad deploy as the game day runs it, beside the guarded twin below.
export { default } from '../../../../scenarios/bad-deploy.ts';
