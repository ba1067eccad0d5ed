import { Body, Param, Query } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import {
  createDeviceSchema,
  createdDeviceSchema,
  devicePageSchema,
  deviceViewSchema,
  listDevicesSchema,
  regenerateKeySchema,
  regeneratedKeySchema,
  updateDeviceSchema,
} from './device.dto';
import { DeviceService } from './device.service';


@InstanceScopedController('devices')
export class DeviceController {
  constructor(private readonly devices: DeviceService) {}

  @GetRoute({ summary: 'List the device identity registry, by client id', query: listDevicesSchema, response: devicePageSchema, problems: [422] })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    const { limit, after } = parseInput(listDevicesSchema, query);
    return this.devices.list(caller.tenantId, id, limit, after);
  }

  @PostRoute({
    summary: 'Register a device; keys not given are generated, and both are shown this once',
    body: createDeviceSchema,
    response: createdDeviceSchema,
    problems: [403, 409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.devices.create(caller.tenantId, id, parseInput(createDeviceSchema, body), caller);
  }

  @GetRoute(':clientId', { summary: 'Get a device (never its keys)', response: deviceViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string) {
    return this.devices.get(caller.tenantId, id, clientId);
  }

  @PatchRoute(':clientId', { summary: 'Enable or disable a device, or replace a key with a given one', body: updateDeviceSchema, response: deviceViewSchema, problems: [403, 422] })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string, @Body() body: unknown) {
    return this.devices.update(caller.tenantId, id, clientId, parseInput(updateDeviceSchema, body), caller);
  }

  @DeleteRoute(':clientId', { summary: 'Delete a device; its clients are disconnected' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string) {
    await this.devices.delete(caller.tenantId, id, clientId, caller);
  }

  @PostRoute(':clientId/keys/regenerate', { summary: 'Generate a new primary or secondary key, shown this once', body: regenerateKeySchema, response: regeneratedKeySchema, problems: [403, 422], status: 200 })
  regenerate(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string, @Body() body: unknown) {
    return this.devices.regenerateKey(caller.tenantId, id, clientId, parseInput(regenerateKeySchema, body).key, caller);
  }
}
