import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EditionSettingEntity } from '@mqc/db';
import { EDITION_NAMES, EDITIONS, type Edition, type EditionName } from '@mqc/editions';
import { NotFoundError } from '../../common/domain-errors';

export interface EditionView extends Edition {
  available: boolean;
}

/** The catalog (from @mqc/editions) with the operator's availability switch (from the database). */
@Injectable()
export class EditionService {
  constructor(private readonly dataSource: DataSource) {}

  async catalog(): Promise<EditionView[]> {
    const settings = await this.dataSource.getRepository(EditionSettingEntity).find();
    const available = new Map(settings.map((s) => [s.edition, s.available]));
    return EDITION_NAMES.map((name) => ({ ...EDITIONS[name], available: available.get(name) ?? true }));
  }

  async isAvailable(edition: EditionName): Promise<boolean> {
    const setting = await this.dataSource.getRepository(EditionSettingEntity).findOneBy({ edition });
    return setting?.available ?? true;
  }

  async setAvailable(edition: string, available: boolean): Promise<EditionView> {
    const name = EDITION_NAMES.find((e) => e === edition);
    if (!name) throw new NotFoundError('edition');
    await this.dataSource.getRepository(EditionSettingEntity).upsert({ edition: name, available }, ['edition']);
    return { ...EDITIONS[name], available };
  }
}
