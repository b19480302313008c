/** The node's (and every Pod's) IP: the node agent runs Pods on loopback, in the host network. */
export const NODE_IP = '127.0.0.1';
