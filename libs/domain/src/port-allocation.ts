export interface PortRange {
  first: number;
  last: number;
}
