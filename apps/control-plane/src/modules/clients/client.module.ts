import { Module } from '@nestjs/common';
import { ClientController } from './client.controller';
import { ClientService } from './client.service';
import { RetainedController } from './retained.controller';

/** Issue 15: the tenant sees and steers what its instance holds in the broker (clients, sessions, retained messages). */
@Module({ controllers: [ClientController, RetainedController], providers: [ClientService] })
export class ClientModule {}
