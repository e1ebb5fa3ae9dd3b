// The seed the examples share: one rate plan and two SIMs, in the API's names in camelCase.
export const seed = {
  ratePlans: [{ uniqueName: 'iot', friendlyName: 'IoT 100 MB', dataLimit: 100 }],
  sims: [
    { iccid: '89012600000000000011', uniqueName: 'tracker-1', ratePlan: 'iot', status: 'active' },
    { iccid: '89012600000000000029', uniqueName: 'tracker-2' },
  ],
};
